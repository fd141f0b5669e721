package io.cdcpipeline.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.cdcpipeline.testkit.ServiceProcess;

public class CrashRecoveryIT {

    private static final int ROWS = 10_000;

    /** Distinct (lsn, key, op) of the workload's change events on the tags topic. */
    public static Set<String> distinctChanges(List<ConsumerRecord<String, String>> records, String topic, int firstId) {
        return records.stream().filter(r -> r.topic().equals(topic) && r.value() != null).map(r -> CaptureFixture.json(r.value()))
                .filter(v -> !v.path("op").asText().equals("r"))
                .filter(v -> v.path("after").path("id").asInt() >= firstId)
                .map(v -> v.path("source").path("lsn").asLong() + "/" + v.path("after").path("id").asInt() + "/" + v.path("op").asText())
                .collect(Collectors.toSet());
    }

    @Test
    void shouldLoseNothingWhenTheEngineIsKilledMidStream(@TempDir Path dir) throws Exception {
        CaptureFixture f = CaptureFixture.create("crash");
        AtomicInteger changes = new AtomicInteger();
        ServiceProcess first = ServiceProcess.start("capture-first", CaptureService.class.getName(), f.env, dir);
        ServiceProcess second = null;
        try {
            await().atMost(Duration.ofSeconds(90)).until(first::ready);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    Workload.run(f.db, 500, 100_000, ROWS, 20, changes);
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> changes.get() >= 5_000);
            first.kill();

            second = ServiceProcess.start("capture-second", CaptureService.class.getName(), f.env, dir);
            writer.get(120, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(90)).until(second::ready);

            String topic = f.topic("tags");
            List<ConsumerRecord<String, String>> records = f.consumeUntil(
                    r -> distinctChanges(r, topic, 100_000).size() >= 2 * ROWS, Duration.ofSeconds(120));
            Set<String> captured = distinctChanges(records, topic, 100_000);
            assertThat(captured).as("every committed change at least once, in spite of the kill").hasSize(2 * ROWS);
            long events = records.stream().filter(r -> r.topic().equals(topic) && r.value() != null).count();
            System.out.printf("crash test: %d changes, %d events delivered (%d duplicates replayed after the kill)%n",
                    2 * ROWS, events, events - 2 * ROWS);
            JsonNode any = CaptureFixture.json(records.get(records.size() - 1).value());
            assertThat(any).isNotNull();
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }

    /**
     * SIGKILL, then a restart at once (a container or unit restarting): a change committed while no
     * instance ran is on Kafka within 10 s of the kill, JVM start, the leader lock (freed when the
     * dead instance's session ends) and the slot taken again included. Twice.
     */
    @Test
    void shouldStreamAgainWithinTenSecondsOfAKill(@TempDir Path dir) throws Exception {
        CaptureFixture f = CaptureFixture.create("crash-restart");
        ServiceProcess capture = ServiceProcess.start("capture-restart-0", CaptureService.class.getName(), f.env, dir);
        List<String> recoveries = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = f.consumer(Pattern.compile(Pattern.quote(f.topic("tags"))))) {
            await().atMost(Duration.ofSeconds(90)).until(capture::ready);
            // Streaming before the first kill, and the consumer already reading the topic.
            f.sql("INSERT INTO app.organizations (id, name, slug) VALUES (70, 'restart', 'restart')",
                    "INSERT INTO app.tags (id, org_id, name, slug) VALUES (700, 70, 'up', 'up')");
            assertThat(CaptureFixture.consumeUntil(consumer, insertOfTag(700), Duration.ofSeconds(60))).anyMatch(isInsertOfTag(700));
            for (int kill = 1; kill <= 2; kill++) {
                // Its position stored: without one, the restart would snapshot and send the change below as a read.
                f.awaitPublished(Duration.ofSeconds(30));
                capture.kill();
                long killed = System.nanoTime();
                int tag = 700 + kill;
                f.sql("INSERT INTO app.tags (id, org_id, name, slug) VALUES (" + tag + ", 70, 'down', 'down-" + kill + "')");
                capture = ServiceProcess.start("capture-restart-" + kill, CaptureService.class.getName(), f.env, dir);
                ServiceProcess restarted = capture;
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(restarted::ready);
                double readyAfter = (System.nanoTime() - killed) / 1e9;
                List<ConsumerRecord<String, String>> read = CaptureFixture.consumeUntil(consumer, insertOfTag(tag), Duration.ofSeconds(60));
                double publishedAfter = (System.nanoTime() - killed) / 1e9;
                assertThat(read).as(() -> "the insert of tag " + tag + " on Kafka; " + recoveries + "\n" + restarted.log())
                        .anyMatch(isInsertOfTag(tag));
                recoveries.add(String.format("kill %d: ready after %.1f s, published after %.1f s", kill, readyAfter, publishedAfter));
                assertThat(publishedAfter).as(() -> recoveries + "\n" + restarted.log()).isLessThan(10.0);
            }
            System.out.println("cdc-capture recovery after SIGKILL: " + recoveries);
        } finally {
            capture.close();
        }
    }

    private static Predicate<ConsumerRecord<String, String>> isInsertOfTag(int id) {
        return r -> {
            JsonNode value = CaptureFixture.json(r.value());
            return value != null && value.path("op").asText().equals("c") && value.path("after").path("id").asInt() == id;
        };
    }

    private static Predicate<List<ConsumerRecord<String, String>>> insertOfTag(int id) {
        return records -> records.stream().anyMatch(isInsertOfTag(id));
    }

    /**
     * The rows of one COPY share the LSN of their multi-insert WAL record, and a restarted engine
     * resumes after the last committed LSN: a position committed inside such a group would lose
     * the rest of it. Kills land while COPYs stream; every row must still reach Kafka.
     */
    @Test
    void shouldLoseNoRowOfACopyWhenKilledWhileItStreams(@TempDir Path dir) throws Exception {
        CaptureFixture f = CaptureFixture.create("crash-copy");
        f.sql("INSERT INTO app.organizations (id, name, slug) VALUES (60, 'copy', 'copy')");
        int copies = 24;
        int rowsPerCopy = 2000;
        AtomicInteger copied = new AtomicInteger();
        ServiceProcess capture = ServiceProcess.start("capture-copy-0", CaptureService.class.getName(), f.env, dir);
        try {
            await().atMost(Duration.ofSeconds(90)).until(capture::ready);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try (java.sql.Connection c = f.db.superuserConnection()) {
                    var copy = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
                    for (int i = 0; i < copies; i++) {
                        StringBuilder rows = new StringBuilder();
                        for (int r = 0; r < rowsPerCopy; r++) {
                            int id = 400_000 + i * rowsPerCopy + r;
                            rows.append(id).append("\t60\tcopied\tc-").append(id).append('\n');
                        }
                        copy.copyIn("COPY app.tags (id, org_id, name, slug) FROM STDIN", new java.io.StringReader(rows.toString()));
                        copied.addAndGet(rowsPerCopy);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // Each kill comes once capture has published another quarter of the rows: mid-stream.
            java.util.regex.Pattern tags = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(f.topic("tags")));
            for (int kill = 1; kill <= 3; kill++) {
                long target = (long) kill * copies * rowsPerCopy / 4;
                await().atMost(Duration.ofSeconds(120)).until(() ->
                        f.kafka.topics().endOffsets(tags).values().stream().mapToLong(Long::longValue).sum() >= target);
                capture.kill();
                capture = ServiceProcess.start("capture-copy-" + kill, CaptureService.class.getName(), f.env, dir);
            }
            writer.get(120, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(90)).until(capture::ready);

            String topic = f.topic("tags");
            List<ConsumerRecord<String, String>> records = f.consumeUntil(
                    r -> distinctChanges(r, topic, 400_000).size() >= copies * rowsPerCopy, Duration.ofSeconds(120));
            assertThat(distinctChanges(records, topic, 400_000)).as("every copied row, in spite of three kills mid-COPY")
                    .hasSize(copies * rowsPerCopy);
        } finally {
            capture.close();
        }
    }
}
