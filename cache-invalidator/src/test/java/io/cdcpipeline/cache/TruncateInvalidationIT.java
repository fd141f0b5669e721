package io.cdcpipeline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** A TRUNCATE names no row: every key its table's rules could produce goes, and nothing else. */
class TruncateInvalidationIT {

    @Test
    void shouldInvalidateEveryKeyOfATruncatedTableAndNoOtherTables() throws Exception {
        try (CacheFixture f = CacheFixture.start("cache-truncate")) {
            f.startInvalidator();
            f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')",
                    "INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 1, 'one@x.io', 'one', 'h')",
                    "INSERT INTO app.articles (id, org_id, author_id, slug, title) SELECT i, 1, 1, 'a-' || i, 'A' || i"
                            + " FROM generate_series(1, 50) i",
                    "INSERT INTO app.tags (id, org_id, name, slug) VALUES (1, 1, 'Java', 'java')",
                    "INSERT INTO app.comments (org_id, article_id, author_id, body) VALUES (1, 1, 1, 'c')");
            f.awaitDrained();

            List<String> articleKeys = new ArrayList<>(List.of("article:slug:a-1", "author:1:articles", "articles:org:1"));
            for (int i = 1; i <= 50; i++) {
                articleKeys.add("article:" + i);
            }
            f.setCached(articleKeys.toArray(String[]::new));
            List<String> otherKeys = List.of("user:1", "user:email:one@x.io", "tag:1", "tags:all:1", "control:untouched");
            f.setCached(otherKeys.toArray(String[]::new));
            f.redis.set("another-application:article:1", "\"cached\"");
            String lease = LeasedCache.leaseKey(f.keyPrefix + "author:1:articles");
            f.redis.set(lease, "a reader's lease");

            // CASCADE: comments, favorites, tags of articles and views reference articles (none has key rules).
            f.capture.sql("TRUNCATE app.articles CASCADE");

            await("the truncated table's keys, leases included, are gone").atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> {
                        assertThat(articleKeys.stream().filter(f::cached).toList()).isEmpty();
                        assertThat(f.redis.exists(lease)).isFalse();
                    });
            f.awaitDrained();
            assertThat(otherKeys.stream().filter(f::cached).toList()).as("keys of tables that were not truncated")
                    .containsExactlyElementsOf(otherKeys);
            assertThat(f.redis.exists("another-application:article:1")).as("keys outside the configured key prefix").isTrue();
            f.redis.del("another-application:article:1");
        }
    }
}
