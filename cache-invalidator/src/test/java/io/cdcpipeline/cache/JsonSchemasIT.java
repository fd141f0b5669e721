package io.cdcpipeline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * CAPTURE_JSON_SCHEMAS=true (each key and value wrapped as {"schema", "payload"}, for stock Kafka
 * Connect sinks): the invalidator reads the same changes and deletes the same keys, truncates
 * included, and sends nothing to its dead-letter topic.
 */
class JsonSchemasIT {

    @Test
    void shouldInvalidateTheSameKeysFromEnvelopesWithTheirSchemaEmbedded() throws Exception {
        try (CacheFixture f = CacheFixture.start("cache-json-schemas", Map.of("CAPTURE_JSON_SCHEMAS", "true"))) {
            f.startInvalidator();
            f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')",
                    "INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 1, 'one@x.io', 'one', 'h')",
                    "INSERT INTO app.articles (id, org_id, author_id, slug, title) VALUES (1, 1, 1, 'first', 'First'),"
                            + " (2, 1, 1, 'second', 'Second')",
                    "INSERT INTO app.tags (id, org_id, name, slug) VALUES (1, 1, 'Java', 'java')");
            f.awaitDrained();

            f.setCached("article:1", "article:slug:first", "author:1:articles", "article:2", "tag:1");
            f.capture.sql("UPDATE app.articles SET slug = 'first-renamed' WHERE id = 1");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (String key : List.of("article:1", "article:slug:first", "author:1:articles")) {
                    assertThat(f.cached(key)).as(key).isFalse();
                }
            });
            f.awaitDrained();
            assertThat(f.cached("article:2")).as("another article is untouched").isTrue();

            f.capture.sql("TRUNCATE app.tags CASCADE");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(f.cached("tag:1")).isFalse());
            f.awaitDrained();
            // The dead-letter topic is shared by the tests of this JVM: only this fixture's topics count.
            assertThat(f.capture.kafka.topics().drain("cache-invalidator.dlq", 10_000, Duration.ofSeconds(3)).stream()
                    .map(r -> r.headers().lastHeader("__connect.errors.topic"))
                    .filter(h -> h != null && new String(h.value(), java.nio.charset.StandardCharsets.UTF_8).startsWith(f.capture.prefix + "."))
                    .toList()).as("nothing was dead-lettered").isEmpty();
        }
    }
}
