package io.cdcpipeline.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import redis.clients.jedis.Jedis;

class RedisServerIT {

    private static RedisServer redis;

    @BeforeAll
    static void start() {
        redis = EmbeddedInfrastructure.shared().redis();
    }

    @Test
    void shouldSetGetAndDelete() {
        String key = RedisServer.newKeyPrefix("roundtrip") + "k";
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            assertThat(jedis.set(key, "v1")).isEqualTo("OK");
            assertThat(jedis.get(key)).isEqualTo("v1");
            assertThat(jedis.del(key)).isEqualTo(1L);
            assertThat(jedis.get(key)).isNull();
        }
    }

    @Test
    void shouldGiveEachTestItsOwnKeyPrefix() {
        String first = RedisServer.newKeyPrefix("same-test");
        String second = RedisServer.newKeyPrefix("same-test");
        assertThat(first).isNotEqualTo(second);
        assertThat(first).doesNotStartWith(second);
        assertThat(second).doesNotStartWith(first);

        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            jedis.set(first + "item", "first");
            jedis.set(second + "item", "second");
            assertThat(jedis.keys(first + "*")).containsExactly(first + "item");
            assertThat(jedis.get(second + "item")).isEqualTo("second");
        }
    }

    @Test
    void shouldNotPersistAnything() {
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            assertThat(jedis.configGet("save").get("save")).isEmpty();
            assertThat(jedis.configGet("appendonly").get("appendonly")).isEqualTo("no");
        }
    }
}
