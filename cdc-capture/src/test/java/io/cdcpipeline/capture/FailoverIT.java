package io.cdcpipeline.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cdcpipeline.testkit.ServiceProcess;

class FailoverIT {

    private static final int ROWS = 3_000;

    @Test
    void shouldTakeOverWhenTheActiveInstanceDiesLosingNothing(@TempDir Path dir) throws Exception {
        CaptureFixture f = CaptureFixture.create("failover");
        ServiceProcess a = ServiceProcess.start("capture-a", CaptureService.class.getName(), f.env, dir);
        ServiceProcess b = ServiceProcess.start("capture-b", CaptureService.class.getName(), f.env, dir);
        AtomicBoolean bothStreaming = new AtomicBoolean();
        AtomicBoolean watching = new AtomicBoolean(true);
        CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> {
            while (watching.get()) {
                if (a.process.isAlive() && b.process.isAlive() && a.ready() && b.ready()) {
                    bothStreaming.set(true);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> a.ready() || b.ready());
            ServiceProcess active = a.ready() ? a : b;
            ServiceProcess standby = active == a ? b : a;
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> !standby.ready());
            assertThat(standby.get("/metrics").orElseThrow().body()).as("standby log:\n%s\nactive log:\n%s", standby.log(), active.log())
                    .contains("capture_leader{service=\"cdc-capture\"} 0.0");
            assertThat(active.get("/metrics").orElseThrow().body()).contains("capture_leader{service=\"cdc-capture\"} 1.0",
                    "capture_slot_retained_wal_bytes", "capture_streaming{service=\"cdc-capture\"} 1.0");

            AtomicInteger changes = new AtomicInteger();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    Workload.run(f.db, 600, 200_000, ROWS, 10, changes);
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> changes.get() >= ROWS / 2);
            long killedAt = System.nanoTime();
            active.kill();
            await().atMost(Duration.ofSeconds(60)).until(standby::ready);
            long takeoverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            System.out.printf("failover: standby streaming %d ms after the active was killed%n", takeoverMillis);
            writer.get(120, TimeUnit.SECONDS);

            String topic = f.topic("tags");
            List<ConsumerRecord<String, String>> records = f.consumeUntil(
                    r -> CrashRecoveryIT.distinctChanges(r, topic, 200_000).size() >= 2 * ROWS, Duration.ofSeconds(120));
            assertThat(CrashRecoveryIT.distinctChanges(records, topic, 200_000)).as("no change lost across the failover")
                    .hasSize(2 * ROWS);
            assertThat(takeoverMillis).as("takeover within seconds").isLessThan(30_000);
            assertThat(standby.get("/metrics").orElseThrow().body()).contains("capture_events_total{");
        } finally {
            watching.set(false);
            watcher.get(10, TimeUnit.SECONDS);
            a.close();
            b.close();
        }
        assertThat(bothStreaming).as("two instances never streamed at once").isFalse();
    }
}
