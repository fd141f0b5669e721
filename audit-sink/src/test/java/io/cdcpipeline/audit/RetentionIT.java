package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.service.ServiceThread;
import io.cdcpipeline.testkit.PrometheusText;

/**
 * Dropping old audit months keeps the proof of the rest: {@code audit-sink retain} signs a
 * retention checkpoint per chain before it drops, and {@code verify} (one-shot and scheduled)
 * starts there. The log holds months from 2020 because the sink writes what the change topic says
 * (the records carry 2020 commit times), with commit times that alternate across the month
 * boundary, as concurrent commits do.
 */
class RetentionIT {

    private static final Duration CAUGHT_UP = Duration.ofSeconds(120);
    private static final Instant JANUARY = Instant.parse("2020-01-31T23:59:00Z");
    private static final Instant FEBRUARY = Instant.parse("2020-02-01T00:00:30Z");

    @Test
    void shouldDropTheOldestMonthAndStillVerify() throws Exception {
        try (AuditFixture f = AuditFixture.withoutCapture("audit-retention")) {
            String topic = f.capture.prefix + ".app.tags";
            f.capture.kafka.topics().create(topic, 2);
            f.capture.db.execute("SET ROLE admin_user;"
                    + " CREATE TABLE audit.change_log_p202001 PARTITION OF audit.change_log FOR VALUES FROM ('2020-01-01 00:00+00') TO ('2020-02-01 00:00+00');"
                    + " CREATE TABLE audit.change_log_p202002 PARTITION OF audit.change_log FOR VALUES FROM ('2020-02-01 00:00+00') TO ('2020-03-01 00:00+00');"
                    + " RESET ROLE");
            f.startSink("AUDIT_CHAIN_TAKEOVER_AFTER", "0");
            long lsn = 1000;
            try (KafkaProducer<String, String> producer = producer(f)) {
                for (int i = 0; i < 200; i++) {
                    // Partition 0: January, then a stretch where January and February commits interleave, then February and now.
                    Instant at = i < 100 ? JANUARY : i < 120 ? (i % 2 == 0 ? JANUARY : FEBRUARY) : i < 150 ? FEBRUARY : Instant.now();
                    producer.send(new ProducerRecord<>(topic, 0, "{\"id\":" + i + "}", envelope(i, lsn++, at)));
                }
                for (int i = 0; i < 50; i++) {
                    // Partition 1: January only; every row of this chain is dropped.
                    producer.send(new ProducerRecord<>(topic, 1, "{\"id\":" + (1000 + i) + "}", envelope(1000 + i, lsn++, JANUARY)));
                }
            }
            await().atMost(CAUGHT_UP).until(() -> f.count("SELECT count(*) FROM audit.change_log") == 250);
            f.awaitCheckpointed(CAUGHT_UP);
            assertThat(f.verify().output()).doesNotContain("BROKEN");

            YearMonth now = YearMonth.now(ZoneOffset.UTC);
            int months = (now.getYear() * 12 + now.getMonthValue()) - (2020 * 12 + 2);
            Map<String, String> env = new HashMap<>(f.verifyEnv());
            env.put("KAFKA_REPLICATION_FACTOR", "1");
            StringWriter out = new StringWriter();
            int code = AuditSinkService.run(new AuditRetention.Command(env, new PrintWriter(out, true)),
                    "--months", Integer.toString(months));
            assertThat(code).as(out.toString()).isZero();
            assertThat(out.toString()).contains("dropping audit.change_log_p202001").doesNotContain("change_log_p202002");
            assertThat(f.count("SELECT count(*) FROM pg_class WHERE relname = 'change_log_p202001'")).isZero();
            assertThat(f.count("SELECT count(*) FROM audit.change_log")).as("February and now remain").isEqualTo(90);

            AuditFixture.Verification afterDrop = f.verify();
            assertThat(afterDrop.exitCode()).as(afterDrop.output()).isZero();

            // The chains go on after the drop, the emptied one from its last dropped row.
            try (KafkaProducer<String, String> producer = producer(f)) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>(topic, i % 2, "{\"id\":" + (2000 + i) + "}", envelope(2000 + i, lsn++, Instant.now())));
                }
            }
            await().atMost(CAUGHT_UP).until(() -> f.count("SELECT count(*) FROM audit.change_log") == 100);
            f.awaitCheckpointed(CAUGHT_UP);
            AuditFixture.Verification later = f.verify();
            assertThat(later.exitCode()).as(later.output()).isZero();
            assertThat(later.output()).contains("verified 100 rows");
            AuditFixture.Verification from = f.verify("--from", Instant.now().minusSeconds(3600).toString());
            assertThat(from.exitCode()).as(from.output()).isZero();

            assertThat(f.scheduledVerification("ok").value("audit_verify_broken_chains")).contains(0.0);
        }
    }

    private static KafkaProducer<String, String> producer(AuditFixture f) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, f.capture.kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    /** An insert as capture publishes it, committed at {@code at}. */
    private static String envelope(int id, long lsn, Instant at) {
        long ms = at.toEpochMilli();
        return "{\"before\":null,\"after\":{\"id\":" + id + ",\"name\":\"tag " + id + "\"},\"source\":{\"schema\":\"app\","
                + "\"table\":\"tags\",\"lsn\":" + lsn + ",\"txId\":" + (500 + id) + ",\"ts_ms\":" + ms + "},\"op\":\"c\",\"ts_ms\":"
                + ms + "}";
    }
}
