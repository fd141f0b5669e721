package io.cdcpipeline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cdcpipeline.testkit.RedisCluster;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A Redis Cluster of three masters (started by the test kit): LeasedCache's lease script and the
 * invalidator's two-key DEL find value and lease in one slot, the invalidator deletes keys spread
 * over every node, and a TRUNCATE's keys are found on every node. On a cluster, a value and its
 * lease in two slots would fail with CROSSSLOT and stop the service.
 */
class RedisClusterIT {

    private static RedisCluster cluster;
    private static UnifiedJedis redis;
    private static CacheFixture f;

    @BeforeAll
    static void start() throws Exception {
        cluster = RedisCluster.start(Path.of("target", "redis-cluster-" + System.nanoTime()).toAbsolutePath());
        redis = new RedisSettings(URI.create(cluster.seedUrl()), Optional.empty(), Duration.ofSeconds(2), true).client("cluster-test");
        f = CacheFixture.start("cache-cluster");
        f.startInvalidator(cluster.seedUrl(), "REDIS_CLUSTER", "true");
        f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')",
                "INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 1, 'one@x.io', 'one', 'h')",
                "INSERT INTO app.articles (id, org_id, author_id, slug, title) SELECT i, 1, 1, 'a-' || i, 'A' || i"
                        + " FROM generate_series(1, 60) i");
        f.awaitDrained();
    }

    @AfterAll
    static void stop() throws Exception {
        if (f != null) {
            f.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldKeepAValueAndItsLeaseInOneSlot() throws Exception {
        LeasedCache cache = new LeasedCache(redis, f.keyPrefix, Duration.ofSeconds(10), true, new ObjectMapper());
        String loaded = cache.get("article:1", String.class, () -> "first", Duration.ofMinutes(1));

        assertThat(loaded).isEqualTo("first");
        assertThat(redis.get(f.keyPrefix + "article:1")).as("stored through the lease script").isEqualTo("\"first\"");
        assertThat(JedisClusterCRC16.getSlot(LeasedCache.leaseKey(f.keyPrefix + "article:1")))
                .isEqualTo(JedisClusterCRC16.getSlot(f.keyPrefix + "article:1"));
        cache.invalidate("article:1");
        assertThat(redis.exists(f.keyPrefix + "article:1")).isFalse();
    }

    @Test
    void shouldInvalidateKeysOnEveryNode() throws Exception {
        // The articles again, should the truncate test have run first.
        f.capture.sql("INSERT INTO app.articles (id, org_id, author_id, slug, title) SELECT i, 1, 1, 'a-' || i, 'A' || i"
                + " FROM generate_series(2, 40) i ON CONFLICT (id) DO NOTHING");
        f.awaitDrained();
        List<String> keys = new ArrayList<>();
        Set<Integer> slots = new HashSet<>();
        for (int id = 2; id <= 40; id++) {
            keys.add(f.keyPrefix + "article:" + id);
            slots.add(JedisClusterCRC16.getSlot(f.keyPrefix + "article:" + id) * 3 / 16384);
        }
        assertThat(slots).as("the keys spread over the three masters' slot ranges").hasSize(3);
        keys.forEach(k -> redis.set(k, "\"cached\""));

        f.capture.sql("UPDATE app.articles SET title = title || ' (edited)' WHERE id BETWEEN 2 AND 40");

        await("every edited article's key gone").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(keys.stream().filter(k -> redis.exists(k)).toList()).isEmpty());
    }

    @Test
    void shouldInvalidateATruncatedTablesKeysOnEveryNode() throws Exception {
        List<String> keys = new ArrayList<>();
        for (int id = 41; id <= 60; id++) {
            keys.add(f.keyPrefix + "article:" + id);
        }
        keys.forEach(k -> redis.set(k, "\"cached\""));
        String lease = LeasedCache.leaseKey(f.keyPrefix + "article:41");
        redis.set(lease, "a reader's lease");
        redis.set(f.keyPrefix + "user:1", "\"untouched\"");

        f.capture.sql("TRUNCATE app.articles CASCADE");

        await("the truncated table's keys and leases gone from every node").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> {
                    assertThat(keys.stream().filter(k -> redis.exists(k)).toList()).isEmpty();
                    assertThat(redis.exists(lease)).isFalse();
                });
        assertThat(redis.get(f.keyPrefix + "user:1")).isEqualTo("\"untouched\"");
    }
}
