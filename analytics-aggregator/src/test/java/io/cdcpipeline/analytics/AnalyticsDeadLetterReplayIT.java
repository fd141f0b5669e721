package io.cdcpipeline.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.kafka.DeadLetterHeaders;
import io.cdcpipeline.common.kafka.DeadLetterReplay;

/**
 * Every comment change an earlier aggregator dead-lettered (and the change topic has since let go)
 * is replayed into the running topology: the counts become exact against the brute-force GROUP BY
 * over the source tables, stay exact as those comments are deleted afterwards, and a second run
 * replays nothing.
 */
class AnalyticsDeadLetterReplayIT {

    private static final Duration CONVERGE = Duration.ofSeconds(120);

    @Test
    void shouldCountReplayedDeadLettersExactly() throws Exception {
        try (AnalyticsFixture f = AnalyticsFixture.start("analytics-replay")) {
            String deadLetters = f.capture.prefix + ".analytics-dlq";
            f.capture.kafka.topics().create(deadLetters, 1);
            f.randomWorkload(3, 300, 300, 100);
            f.capture.awaitPublished(Duration.ofSeconds(60));
            String topic = f.capture.prefix + ".app.comments";
            Map<TopicPartition, Long> ends = f.capture.kafka.topics().endOffsets(Pattern.compile(Pattern.quote(topic)));
            int total = (int) ends.values().stream().mapToLong(Long::longValue).sum();
            List<ConsumerRecord<String, String>> changes = f.capture.kafka.topics().drain(topic, total, Duration.ofSeconds(60))
                    .stream().filter(r -> r.value() != null)
                    .sorted(Comparator.<ConsumerRecord<String, String>>comparingInt(ConsumerRecord::partition)
                            .thenComparingLong(ConsumerRecord::offset)).toList();
            assertThat(changes).hasSizeGreaterThan(300);
            try (KafkaProducer<String, String> producer = producer(f)) {
                for (ConsumerRecord<String, String> change : changes) {
                    producer.send(new ProducerRecord<>(deadLetters, null, change.key(), change.value(), DeadLetterHeaders.of(change,
                            "analytics-aggregator", DeadLetterHeaders.STAGE_READ, "analytics-aggregator",
                            new IllegalArgumentException("no op"))));
                }
                producer.flush();
            }
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", f.capture.kafka.bootstrapServers()))) {
                Map<TopicPartition, RecordsToDelete> all = new HashMap<>();
                ends.forEach((tp, end) -> all.put(tp, RecordsToDelete.beforeOffset(end)));
                admin.deleteRecords(all).all().get();
            }

            f.startInstance(Map.of("ANALYTICS_DEAD_LETTER_TOPIC", deadLetters));
            await("views and favorites counted, comments missing").atMost(CONVERGE).pollInterval(Duration.ofSeconds(1))
                    .until(() -> f.count("SELECT coalesce(sum(views), 0) FROM analytics.article_daily_stats") == 300);
            assertThat(f.dailyStats()).as("the comments are only in the dead letters").isNotEqualTo(f.bruteForceDaily());

            StringWriter out = new StringWriter();
            assertThat(replay(f, deadLetters, out)).as(out.toString()).isZero();
            assertThat(out.toString()).contains("replayed " + changes.size() + " dead letter(s)");
            awaitExact(f);

            // Life goes on: replayed comments deleted, new ones written, and nothing left to replay.
            f.capture.sql("DELETE FROM app.comments WHERE id IN (SELECT id FROM app.comments ORDER BY id LIMIT 40)");
            f.randomWorkload(4, 50, 50, 20);
            awaitExact(f);
            StringWriter second = new StringWriter();
            assertThat(replay(f, deadLetters, second)).isZero();
            assertThat(second.toString()).contains("replayed 0 dead letter(s)");
        }
    }

    private static void awaitExact(AnalyticsFixture f) {
        await("daily stats equal the brute-force GROUP BY").atMost(CONVERGE).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(f.dailyStats()).isEqualTo(f.bruteForceDaily()));
    }

    private static int replay(AnalyticsFixture f, String deadLetters, StringWriter out) {
        return DeadLetterReplay.command("analytics-aggregator", AnalyticsConfig::replayTarget, Map.of("KAFKA_BOOTSTRAP_SERVERS",
                f.capture.kafka.bootstrapServers(), "ANALYTICS_DEAD_LETTER_TOPIC", deadLetters), new PrintWriter(out, true));
    }

    private static KafkaProducer<String, String> producer(AnalyticsFixture f) {
        Properties p = new Properties();
        p.put("bootstrap.servers", f.capture.kafka.bootstrapServers());
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }
}
