package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.service.ServiceThread;
import io.cdcpipeline.testkit.PrometheusText;

/**
 * The sink's stored positions are never skipped over silently, and reading them survives a
 * database outage: a recreated topic stops its partitions (metric, log, the way out), and a
 * rebalance while PostgreSQL is down is retried like the outage itself.
 */
class PositionSafetyIT {

    private static final Duration CAUGHT_UP = Duration.ofSeconds(120);

    @Test
    void shouldStopThePartitionsOfARecreatedTopicAndResumeOnceThePositionIsCorrected() throws Exception {
        try (AuditFixture f = AuditFixture.start("audit-recreated")) {
            ServiceThread sink = f.startSink();
            f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (8, 'Pos', 'pos')",
                    "INSERT INTO app.tags (id, org_id, name, slug) SELECT g, 8, 'before', 'b-' || g FROM generate_series(1, 300) g");
            f.awaitCaughtUp(CAUGHT_UP);
            sink.close();

            // The operator deletes and recreates the topic: its partitions restart at offset 0,
            // below what the sink stored.
            String topic = f.capture.topic("tags");
            Map<TopicPartition, Long> stored = f.storedPositions();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", f.capture.kafka.bootstrapServers()))) {
                admin.deleteTopics(List.of(topic)).all().get();
                await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains(topic));
            }
            f.capture.kafka.topics().create(topic, 3);

            ServiceThread restarted = f.startSink();
            int port = restarted.metrics().port();
            long storedOnTopic = stored.keySet().stream().filter(tp -> tp.topic().equals(topic) && stored.get(tp) > 0).count();
            await().atMost(Duration.ofSeconds(60)).until(() -> PrometheusText.scrape(port)
                    .samples("consumer_partition_stopped", "topic", topic, "reason", "ahead of the log end").stream()
                    .filter(s -> s.value() == 1).count() == storedOnTopic);
            assertThat(PrometheusText.scrape(port).value("consumer_partitions_stopped", "consumer", "audit-sink"))
                    .as("what the alert reads").contains((double) storedOnTopic);

            // Other topics go on; the stopped partitions take nothing new.
            f.capture.sql("UPDATE app.organizations SET name = 'Pos 2' WHERE id = 8",
                    "INSERT INTO app.tags (id, org_id, name, slug) SELECT g, 8, 'after', 'a-' || g FROM generate_series(301, 330) g");
            await().atMost(CAUGHT_UP).until(() -> f.count("SELECT count(*) FROM audit.change_log WHERE source_table ="
                    + " 'app.organizations' AND op = 'u'") == 1);
            assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE after->>'name' = 'after'"))
                    .as("nothing is read from a stopped partition").isZero();
            assertThat(restarted.finished()).as("the service keeps running").isFalse();

            // The way out: the changes on the new topic are new, so its positions restart at 0.
            f.capture.sql("UPDATE audit.chains SET next_offset = 0 WHERE chain_topic = '" + topic + "'");
            f.awaitCaughtUp(CAUGHT_UP);
            assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE after->>'name' = 'after'")).isEqualTo(30);
            assertThat(PrometheusText.scrape(port).samples("consumer_partition_stopped", "topic", topic).stream()
                    .mapToDouble(PrometheusText.Sample::value).sum()).as("no partition reported stopped any more").isZero();
            assertThat(PrometheusText.scrape(port).value("consumer_partitions_stopped", "consumer", "audit-sink")).contains(0.0);
        }
    }

    @Test
    void shouldRetryARebalanceThatHappensWhilePostgresIsDown() throws Exception {
        try (AuditFixture f = AuditFixture.start("audit-outage-rebalance")) {
            ServiceThread first = f.startSink();
            ServiceThread second = f.startSink();
            f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (9, 'Out', 'out')");
            f.awaitCaughtUp(CAUGHT_UP);

            var server = f.capture.db.server();
            server.stop();
            try {
                // The second instance leaves while the database is down: the first is assigned
                // partitions whose stored positions it cannot read.
                second.close();
                await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(12))
                        .until(() -> !first.finished());
            } finally {
                server.start();
            }
            f.capture.awaitPublished(CAUGHT_UP);
            f.capture.sql("INSERT INTO app.tags (id, org_id, name, slug) SELECT g, 9, 'later', 'l-' || g FROM generate_series(1, 200) g");
            f.awaitCaughtUp(CAUGHT_UP);
            assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE after->>'name' = 'later'")).isEqualTo(200);
            assertThat(first.finished()).as("the instance that took the partitions over still runs").isFalse();
        }
    }
}
