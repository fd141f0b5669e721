package io.cdcpipeline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.testkit.RedisServer;
import io.cdcpipeline.testkit.TlsMaterial;
import redis.clients.jedis.RedisClient;

/** {@code rediss://} with a password: verified server certificate, authentication, and the invalidator over it. */
class RedisTlsIT {

    private static final String PASSWORD = "redis-test-password";
    private static Path dir;
    private static TlsMaterial tls;
    private static RedisServer secured;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("redis-tls");
        tls = TlsMaterial.generate(dir.resolve("tls"));
        secured = RedisServer.startSecured(dir.resolve("redis"), tls, PASSWORD);
    }

    @AfterAll
    static void stop() {
        if (secured != null) {
            secured.close();
        }
    }

    private static RedisSettings settings(String url, Path ca) {
        Map<String, String> env = ca == null ? Map.of("REDIS_URL", url, "REDIS_TIMEOUT", "2000")
                : Map.of("REDIS_URL", url, "REDIS_TLS_CA", ca.toString(), "REDIS_TIMEOUT", "2000");
        return RedisSettings.read(new Settings(env));
    }

    @Test
    void shouldConnectOverVerifiedTlsWithThePassword() {
        try (redis.clients.jedis.UnifiedJedis client = settings(secured.url(), tls.caCertificate()).client("tls-test")) {
            client.set("tls:probe", "1");
            assertThat(client.get("tls:probe")).isEqualTo("1");
        }
    }

    @Test
    void shouldRefuseAServerItCannotVerify() {
        // The JVM's trust store does not know the test CA: the handshake must fail, not fall back.
        try (redis.clients.jedis.UnifiedJedis client = settings(secured.url(), null).client("tls-test")) {
            assertThatThrownBy(client::ping).hasStackTraceContaining("PKIX path");
        }
    }

    @Test
    void shouldRefuseAWrongPassword() {
        String wrong = secured.url().replace(PASSWORD, "not-the-password");
        try (redis.clients.jedis.UnifiedJedis client = settings(wrong, tls.caCertificate()).client("tls-test")) {
            assertThatThrownBy(client::ping).hasMessageContaining("WRONGPASS");
        }
    }

    @Test
    void shouldKeepThePasswordOutOfItsDescription() {
        assertThat(settings(secured.url(), tls.caCertificate()).toString()).doesNotContain(PASSWORD).contains("rediss://localhost:");
    }

    @Test
    void shouldInvalidateThroughASecuredRedis() throws Exception {
        try (CacheFixture f = CacheFixture.start("cache-tls");
             redis.clients.jedis.UnifiedJedis redis = settings(secured.url(), tls.caCertificate()).client("tls-test")) {
            f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')",
                    "INSERT INTO app.tags (id, org_id, name, slug) VALUES (1, 1, 'Java', 'java')");
            f.startInvalidator(secured.url(), "REDIS_TLS_CA", tls.caCertificate().toString());
            f.awaitDrained();
            redis.set(f.keyPrefix + "tag:1", "\"cached\"");
            f.capture.sql("UPDATE app.tags SET name = 'JVM' WHERE id = 1");

            await().atMost(Duration.ofSeconds(30)).until(() -> !redis.exists(f.keyPrefix + "tag:1"));
        }
    }
}
