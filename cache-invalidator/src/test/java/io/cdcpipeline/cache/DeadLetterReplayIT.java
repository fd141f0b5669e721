package io.cdcpipeline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.kafka.DeadLetterHeaders;
import io.cdcpipeline.common.kafka.DeadLetterReplay;

/**
 * A change an earlier cache-invalidator dead-lettered (so its keys stayed stale) is replayed
 * through the running service after the fix: its keys go; a record that still cannot be read is
 * dead-lettered again with the position it first had.
 */
class DeadLetterReplayIT {

    private static CacheFixture f;
    private static String deadLetters;

    @BeforeAll
    static void start() throws Exception {
        f = CacheFixture.start("cache-replay");
        deadLetters = f.capture.prefix + ".cache-dlq";
        f.startInvalidator(f.redisServer.url(), "CACHE_DEAD_LETTER_TOPIC", deadLetters);
        f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')",
                "INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 1, 'one@x.io', 'one', 'h')",
                "INSERT INTO app.articles (id, org_id, author_id, slug, title) VALUES (5, 1, 1, 'fifth', 'Fifth')");
        f.awaitDrained();
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    @Test
    void shouldInvalidateTheKeysOfAReplayedDeadLetter() throws Exception {
        String topic = f.capture.topic("articles");
        ConsumerRecord<String, String> insert = f.capture.kafka.topics().drain(topic, 1, Duration.ofSeconds(30)).get(0);
        // The keys stayed cached: the earlier service dead-lettered the change instead of invalidating them.
        f.setCached("article:5", "article:slug:fifth");
        try (KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>(deadLetters, null, insert.key(), insert.value(), DeadLetterHeaders.of(insert,
                    "cache-invalidator", DeadLetterHeaders.STAGE_READ, "cache-invalidator", new IllegalArgumentException("no op"))))
                    .get();
            producer.send(new ProducerRecord<>(deadLetters, null, "{\"id\":6}", "{\"garbage\":true}", DeadLetterHeaders.of(topic, 1, 42,
                    "cache-invalidator", DeadLetterHeaders.STAGE_READ, "cache-invalidator", new IllegalArgumentException("no op"))))
                    .get();
        }
        assertThat(f.cached("article:5")).isTrue();

        StringWriter out = new StringWriter();
        int code = DeadLetterReplay.command("cache-invalidator", CacheConfig::replayTarget, Map.of("KAFKA_BOOTSTRAP_SERVERS",
                f.capture.kafka.bootstrapServers(), "CACHE_DEAD_LETTER_TOPIC", deadLetters), new PrintWriter(out, true));

        assertThat(code).as(out.toString()).isZero();
        assertThat(out.toString()).contains("replayed 2 dead letter(s)");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(f.cached("article:5")).isFalse();
            assertThat(f.cached("article:slug:fifth")).isFalse();
        });
        List<ConsumerRecord<String, String>> dead = f.capture.kafka.topics().drain(deadLetters, 3, Duration.ofSeconds(30));
        assertThat(dead).hasSize(3);
        assertThat(dead.get(2).value()).isEqualTo("{\"garbage\":true}");
        assertThat(DeadLetterHeaders.text(dead.get(2).headers(), DeadLetterHeaders.TOPIC)).isEqualTo(topic);
        assertThat(DeadLetterHeaders.text(dead.get(2).headers(), DeadLetterHeaders.PARTITION)).isEqualTo("1");
        assertThat(DeadLetterHeaders.text(dead.get(2).headers(), DeadLetterHeaders.OFFSET)).isEqualTo("42");
    }

    private static KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put("bootstrap.servers", f.capture.kafka.bootstrapServers());
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }
}
