package io.cdcpipeline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cdcpipeline.testkit.PrometheusText;
import io.cdcpipeline.testkit.ServiceProcess;

/**
 * cache-invalidator killed with SIGKILL and restarted at once with the same
 * KAFKA_GROUP_INSTANCE_ID (as a container or pod restarts): it reports ready only once the group
 * has given it its partitions, and deletes the keys of the changes committed while it was down
 * within 10 s of the kill, JVM start included.
 */
class CacheCrashRecoveryIT {

    @Test
    void shouldInvalidateAgainWithinTenSecondsOfAKill(@TempDir Path dir) throws Exception {
        try (CacheFixture f = CacheFixture.start("cache-crash")) {
            f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')",
                    "INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 1, 'one@x.io', 'one', 'h')",
                    "INSERT INTO app.articles (id, org_id, author_id, slug, title) VALUES (1, 1, 1, 'first', 'First')");
            Map<String, String> env = f.env(f.redisServer.url(), "KAFKA_GROUP_INSTANCE_ID", "cache-invalidator-a");
            ServiceProcess invalidator = ServiceProcess.start("cache-0", CacheInvalidatorService.class.getName(), env, dir);
            List<String> recoveries = new ArrayList<>();
            try {
                await().atMost(Duration.ofSeconds(90)).until(invalidator::ready);
                f.awaitDrained();
                for (int kill = 1; kill <= 3; kill++) {
                    invalidator.kill();
                    long killed = System.nanoTime();
                    // Committed while no instance runs: its keys are deleted by the restarted one.
                    f.setCached("article:1");
                    f.capture.sql("UPDATE app.articles SET title = 'First, edit " + kill + "' WHERE id = 1");
                    invalidator.close();
                    invalidator = ServiceProcess.start("cache-" + kill, CacheInvalidatorService.class.getName(), env, dir);
                    ServiceProcess restarted = invalidator;
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(restarted::ready);
                    double readyAfter = (System.nanoTime() - killed) / 1e9;
                    assertThat(PrometheusText.scrape(restarted.metricsPort).value("consumer_partitions_assigned", "consumer",
                            "cache-invalidator")).as("ready means it holds its partitions")
                            .hasValueSatisfying(v -> assertThat(v).isPositive());
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> !f.cached("article:1"));
                    double invalidatingAfter = (System.nanoTime() - killed) / 1e9;
                    recoveries.add(String.format("kill %d: ready after %.1f s, key deleted after %.1f s", kill, readyAfter,
                            invalidatingAfter));
                    assertThat(invalidatingAfter).as(recoveries.toString()).isLessThan(10.0);
                }
                System.out.println("cache-invalidator recovery after SIGKILL: " + recoveries);
            } finally {
                invalidator.close();
            }
        }
    }
}
