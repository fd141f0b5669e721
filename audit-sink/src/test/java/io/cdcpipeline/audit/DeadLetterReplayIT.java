package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.kafka.DeadLetterHeaders;
import io.cdcpipeline.common.kafka.DeadLetterQueue;
import io.cdcpipeline.common.kafka.DeadLetterReplay;

/**
 * The story of issue 17: an earlier audit-sink could not read schema-wrapped envelopes
 * ({@code CAPTURE_JSON_SCHEMAS=true}) and dead-lettered them, and the change topic has since let
 * them go. After the fix, {@code replay-dead-letters} sends them back through audit-sink: each
 * audited exactly once, in a chain verify accepts; a record that still cannot be read goes back to
 * the dead-letter topic with its first position, and nothing is replayed twice.
 */
class DeadLetterReplayIT {

    private static AuditFixture f;
    private static String deadLetters;

    @BeforeAll
    static void start() throws Exception {
        f = AuditFixture.start("dlq-replay", Map.of("CAPTURE_JSON_SCHEMAS", "true"));
        deadLetters = f.capture.prefix + ".audit-dlq";
        f.capture.kafka.topics().create(deadLetters, 1);
        f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (5, 'Org', 'org')");
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    @Test
    void shouldAuditReplayedDeadLettersExactlyOnce() throws Exception {
        // What the earlier sink did: the records went to its dead-letter topic, and retention took them from the change topic.
        f.capture.sql("INSERT INTO app.tags (id, org_id, name, slug) VALUES (700, 5, 'lost', 'lost-700'), (701, 5, 'lost', 'lost-701')",
                "UPDATE app.tags SET name = 'lost, then found' WHERE id = 701");
        String topic = f.capture.topic("tags");
        List<ConsumerRecord<String, String>> changes = f.capture.kafka.topics().drain(topic, 3, Duration.ofSeconds(60));
        assertThat(changes).hasSize(3);
        try (KafkaProducer<String, String> producer = producer()) {
            for (ConsumerRecord<String, String> change : changes) {
                producer.send(new ProducerRecord<>(deadLetters, null, change.key(), change.value(), DeadLetterHeaders.of(change,
                        "audit-sink", DeadLetterHeaders.STAGE_READ, "audit-sink", new IllegalArgumentException("no op")))).get();
            }
            // One that no fix makes readable.
            producer.send(new ProducerRecord<>(deadLetters, null, "{\"id\":702}", "still not an envelope", DeadLetterHeaders.of(
                    topic, 0, 99, "audit-sink", DeadLetterHeaders.STAGE_READ, "audit-sink", new IllegalArgumentException("not JSON"))))
                    .get();
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", f.capture.kafka.bootstrapServers()))) {
            Map<TopicPartition, RecordsToDelete> all = new java.util.HashMap<>();
            f.capture.kafka.topics().endOffsets(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(topic)))
                    .forEach((tp, end) -> all.put(tp, RecordsToDelete.beforeOffset(end)));
            admin.deleteRecords(all).all().get();
        }
        f.startSink("AUDIT_DEAD_LETTER_TOPIC", deadLetters);
        f.capture.sql("INSERT INTO app.tags (id, org_id, name, slug) VALUES (703, 5, 'live', 'live-703')");
        await().atMost(Duration.ofSeconds(60)).until(() -> tagRows(703) == 1);
        assertThat(tagRows(700) + tagRows(701)).as("gone from the change topic, only in the dead letters").isZero();

        StringWriter out = new StringWriter();
        assertThat(replay(false, out)).isZero();
        assertThat(out.toString()).contains("replayed 4 dead letter(s)");

        await().atMost(Duration.ofSeconds(60)).until(() -> tagRows(700) == 1 && tagRows(701) == 2);
        assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE source_table = 'app.tags' AND op = 'u'"
                + " AND (primary_key->>'id')::int = 701 AND after->>'name' = 'lost, then found'"))
                .as("the replayed update, read as the change it was").isOne();
        // The unreadable one is a dead letter again, still naming where it came from first.
        List<ConsumerRecord<String, String>> dead = f.capture.kafka.topics().drain(deadLetters, 5, Duration.ofSeconds(30));
        assertThat(dead).hasSize(5);
        ConsumerRecord<String, String> again = dead.get(4);
        assertThat(again.value()).isEqualTo("still not an envelope");
        assertThat(header(again, DeadLetterHeaders.TOPIC)).isEqualTo(topic);
        assertThat(header(again, DeadLetterHeaders.OFFSET)).isEqualTo("99");
        assertThat(header(again, DeadLetterHeaders.EXCEPTION_MESSAGE)).contains("not JSON");

        // A second run starts after the first: only the one dead-lettered again, and nothing is audited twice.
        StringWriter second = new StringWriter();
        assertThat(replay(false, second)).isZero();
        assertThat(second.toString()).contains("replayed 1 dead letter(s)").contains(deadLetters + "-0@4");
        f.capture.sql("INSERT INTO app.tags (id, org_id, name, slug) VALUES (704, 5, 'live', 'live-704')");
        await().atMost(Duration.ofSeconds(60)).until(() -> tagRows(704) == 1);
        assertThat(tagRows(700)).isOne();
        assertThat(tagRows(701)).isEqualTo(2);

        f.awaitCheckpointed(Duration.ofSeconds(30));
        AuditFixture.Verification verification = f.verify();
        assertThat(verification.exitCode()).as(verification.output()).isZero();
        assertThat(f.count("SELECT count(*) FROM audit.chains WHERE chain_topic = '"
                + DeadLetterQueue.replayTopic(deadLetters) + "'")).as("the replayed rows have a chain of their own").isOne();
    }

    @Test
    void shouldListWithoutChangingAnythingOnADryRun() throws Exception {
        StringWriter first = new StringWriter();
        StringWriter second = new StringWriter();
        assertThat(replay(true, first)).isZero();
        assertThat(replay(true, second)).isZero();
        assertThat(first.toString()).contains("would replay").isEqualTo(second.toString());
        assertThat(DeadLetterReplay.command("audit-sink", AuditSinkConfig::replayTarget, Map.of(), new PrintWriter(new StringWriter()),
                "--dry-run")).as("KAFKA_BOOTSTRAP_SERVERS missing").isEqualTo(2);
    }

    private static int replay(boolean dryRun, StringWriter out) {
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", f.capture.kafka.bootstrapServers(),
                "AUDIT_DEAD_LETTER_TOPIC", deadLetters);
        return dryRun ? DeadLetterReplay.command("audit-sink", AuditSinkConfig::replayTarget, env, new PrintWriter(out, true), "--dry-run")
                : DeadLetterReplay.command("audit-sink", AuditSinkConfig::replayTarget, env, new PrintWriter(out, true));
    }

    private static long tagRows(int id) throws Exception {
        return f.count("SELECT count(*) FROM audit.change_log WHERE source_table = 'app.tags' AND (primary_key->>'id')::int = " + id);
    }

    private static KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put("bootstrap.servers", f.capture.kafka.bootstrapServers());
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
