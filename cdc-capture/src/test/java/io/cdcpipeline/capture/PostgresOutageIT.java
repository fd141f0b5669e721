package io.cdcpipeline.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.PostgresServer;

/** PostgreSQL restarts under a running capture: it reconnects by itself and misses nothing. */
class PostgresOutageIT {

    @Test
    void shouldResumeWithoutLossAfterPostgresRestarts() throws Exception {
        CaptureFixture f = CaptureFixture.create("pg-outage");
        PostgresServer server = f.db.server();
        try (CaptureFixture.InProcess capture = f.startInProcess()) {
            capture.awaitStreaming();
            Workload.run(f.db, 700, 300_000, 500, 50, new AtomicInteger());
            // The outage comes while the capture streams, not in the moments after its first start:
            // its first changes are published and their position committed (every 500 ms here).
            String topic = f.topic("tags");
            f.consumeUntil(r -> CrashRecoveryIT.distinctChanges(r, topic, 300_000).size() >= 1000, Duration.ofSeconds(60));
            Thread.sleep(1500);

            server.stop();
            Thread.sleep(2000);
            server.start();

            Workload.run(f.db, 700, 301_000, 500, 50, new AtomicInteger());
            List<ConsumerRecord<String, String>> records = f.consumeUntil(
                    r -> CrashRecoveryIT.distinctChanges(r, topic, 300_000).size() >= 2000, Duration.ofSeconds(120));

            assertThat(CrashRecoveryIT.distinctChanges(records, topic, 300_000)).as("changes before and after the outage").hasSize(2000);
            await().atMost(Duration.ofSeconds(60)).until(capture.runner::isStreaming);
        }
    }
}
