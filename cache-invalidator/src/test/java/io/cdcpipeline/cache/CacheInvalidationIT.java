package io.cdcpipeline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each default rule against real changes: the keys a committed change affects are gone. */
class CacheInvalidationIT {

    private static CacheFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = CacheFixture.start("cache-rules");
        f.startInvalidator();
        f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')",
                "INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 1, 'one@x.io', 'one', 'h'),"
                        + " (2, 1, 'two@x.io', 'two', 'h')",
                "INSERT INTO app.articles (id, org_id, author_id, slug, title) VALUES (1, 1, 1, 'first', 'First'),"
                        + " (2, 1, 1, 'second', 'Second')",
                "INSERT INTO app.categories (id, org_id, name, slug) VALUES (1, 1, 'News', 'news')",
                "INSERT INTO app.tags (id, org_id, name, slug) VALUES (1, 1, 'Java', 'java')",
                "INSERT INTO app.user_preferences (user_id, preferences) VALUES (1, '{}')",
                "INSERT INTO app.user_sessions (id, user_id, expires_at) VALUES ('00000000-0000-0000-0000-00000000000a', 1, now())");
        f.awaitDrained();
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    private static void awaitGone(String... keys) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (String key : keys) {
                assertThat(f.cached(key)).as(key).isFalse();
            }
        });
    }

    @Test
    void shouldInvalidateAnArticlesIdAndSlugKeysOnUpdate() throws Exception {
        f.setCached("article:1", "article:slug:first", "author:1:articles", "article:2");
        f.capture.sql("UPDATE app.articles SET title = 'First, edited' WHERE id = 1");

        awaitGone("article:1", "article:slug:first", "author:1:articles");
        f.awaitDrained();
        assertThat(f.cached("article:2")).as("another article is untouched").isTrue();
    }

    @Test
    void shouldInvalidateTheOldAndTheNewSlugWhenTheSlugChanges() throws Exception {
        f.setCached("article:slug:second", "article:slug:second-renamed", "article:2");
        f.capture.sql("UPDATE app.articles SET slug = 'second-renamed' WHERE id = 2");

        awaitGone("article:slug:second", "article:slug:second-renamed", "article:2");
    }

    @Test
    void shouldInvalidateOnDelete() throws Exception {
        f.capture.sql("INSERT INTO app.articles (id, org_id, author_id, slug, title) VALUES (3, 1, 2, 'third', 'Third')");
        f.awaitDrained();
        f.setCached("article:3", "article:slug:third", "author:2:articles");
        f.capture.sql("DELETE FROM app.articles WHERE id = 3");

        awaitGone("article:3", "article:slug:third", "author:2:articles");
    }

    @Test
    void shouldCoverEveryDefaultTable() throws Exception {
        f.setCached("user:2", "user:email:two@x.io", "user:email:deux@x.io", "user:1:preferences", "session:00000000-0000-0000-0000-00000000000a",
                "user:1:sessions", "category:1", "category:slug:1:news", "categories:all:1", "tag:1", "tag:slug:1:java", "tags:all:1");
        f.capture.sql("UPDATE app.users SET email = 'deux@x.io' WHERE id = 2",
                "UPDATE app.user_preferences SET preferences = '{\"theme\": \"dark\"}' WHERE user_id = 1",
                "UPDATE app.user_sessions SET last_seen_at = now() WHERE user_id = 1",
                "UPDATE app.categories SET name = 'Breaking news' WHERE id = 1",
                "DELETE FROM app.tags WHERE id = 1");

        awaitGone("user:2", "user:email:two@x.io", "user:email:deux@x.io", "user:1:preferences",
                "session:00000000-0000-0000-0000-00000000000a", "user:1:sessions", "category:1", "category:slug:1:news",
                "categories:all:1", "tag:1", "tag:slug:1:java", "tags:all:1");
    }

    @Test
    void shouldDeadLetterAPoisonRecordAndKeepInvalidating() throws Exception {
        String topic = f.capture.topic("tags");
        f.capture.sql("INSERT INTO app.tags (id, org_id, name, slug) VALUES (7, 1, 'Go', 'go')");
        f.awaitDrained();
        f.capture.kafka.topics().produce(topic, List.of(Map.entry("{\"id\":77}", "{\"garbage\":true}")));
        f.setCached("tag:7");
        f.capture.sql("UPDATE app.tags SET name = 'Golang' WHERE id = 7");

        awaitGone("tag:7");
        List<ConsumerRecord<String, String>> dead = f.capture.kafka.topics().drain("cache-invalidator.dlq", 1000, Duration.ofSeconds(10))
                .stream().filter(r -> topic.equals(header(r, "__connect.errors.topic"))).toList();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo("{\"garbage\":true}");
        assertThat(header(dead.get(0), "__connect.errors.offset")).matches("[0-9]+");
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
