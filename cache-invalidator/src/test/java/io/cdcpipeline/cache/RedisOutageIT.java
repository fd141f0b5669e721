package io.cdcpipeline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.RedisServer;
import redis.clients.jedis.RedisClient;

/**
 * Redis stops in the middle of a stream of changes and comes back: every invalidation of the
 * changes made while it was down is applied afterwards. The Redis here keeps its data across the
 * restart (append-only file), so keys cached before the outage are still there after it unless an
 * invalidation deletes them: a lost invalidation leaves a key behind and fails the test.
 */
class RedisOutageIT {

    private static final int ARTICLES = 300;

    @Test
    void shouldApplyEveryInvalidationOnceRedisIsBack() throws Exception {
        try (CacheFixture f = CacheFixture.start("cache-outage");
             RedisServer redisServer = RedisServer.startPersistent(Files.createTempDirectory("redis-outage"));
             RedisClient redis = RedisClient.create(redisServer.host(), redisServer.port())) {
            f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')",
                    "INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 1, 'a@x.io', 'a', 'h')",
                    "INSERT INTO app.articles (id, org_id, author_id, slug, title)"
                            + " SELECT i, 1, 1, 'a-' || i, 'Article ' || i FROM generate_series(1, " + ARTICLES + ") i");
            CacheFixture.Invalidator invalidator = f.startInvalidator(redisServer.url(), "REDIS_TIMEOUT", "500");
            f.awaitDrained();
            IntStream.rangeClosed(1, ARTICLES).forEach(i -> redis.set(f.keyPrefix + "article:" + i, "\"cached\""));
            redis.set(f.keyPrefix + "control:untouched", "\"cached\"");

            updateArticles(f, 1, 100);
            await().atMost(Duration.ofSeconds(30)).until(() -> !redis.exists(f.keyPrefix + "article:100"));

            redisServer.stop();
            updateArticles(f, 101, ARTICLES);
            await("the invalidator fails against the stopped Redis").atMost(Duration.ofSeconds(30))
                    .until(() -> invalidator.registry().counter("cache.redis.errors").count() > 0);
            Thread.sleep(2000);
            redisServer.start();
            updateArticles(f, 1, 50);

            f.awaitDrained();
            // A new client: the pooled connections of the first one died with the server.
            try (RedisClient after = RedisClient.create(redisServer.host(), redisServer.port())) {
                List<String> left = new ArrayList<>();
                for (int i = 1; i <= ARTICLES; i++) {
                    if (after.exists(f.keyPrefix + "article:" + i)) {
                        left.add("article:" + i);
                    }
                }
                assertThat(left).as("keys whose invalidation was lost").isEmpty();
                assertThat(after.exists(f.keyPrefix + "control:untouched")).as("Redis kept its data across the restart").isTrue();
            }
        }
    }

    /** One transaction per article, so the changes arrive as a stream rather than one batch. */
    private static void updateArticles(CacheFixture f, int from, int to) throws Exception {
        try (Connection c = f.capture.db.superuserConnection(); Statement s = c.createStatement()) {
            for (int i = from; i <= to; i++) {
                s.executeUpdate("UPDATE app.articles SET title = title || '.' WHERE id = " + i);
            }
        }
    }
}
