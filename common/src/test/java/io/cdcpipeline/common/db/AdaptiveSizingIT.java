package io.cdcpipeline.common.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.TestDatabase;

class AdaptiveSizingIT {

    @Test
    void shouldGrowUnderWaitingLoadAndShrinkBackWhenIdleWithinBounds() throws Exception {
        TestDatabase db = EmbeddedInfrastructure.shared().postgres().createDatabase("adaptive");
        DatabaseConfig config = TestDatabases.config(db, "DB_ADAPTIVE_SIZING", "true", "DB_ADAPTIVE_INTERVAL", "100",
                "DB_STANDARD_MIN_CONNECTIONS", "2", "DB_STANDARD_MAX_CONNECTIONS", "8");
        AtomicInteger lowest = new AtomicInteger(Integer.MAX_VALUE);
        AtomicInteger highest = new AtomicInteger();
        try (Database database = TestDatabases.open(config, Priority.STANDARD)) {
            var pool = database.standard();
            var maxSize = (java.util.function.IntSupplier) () -> {
                int max = pool.hikari().getHikariConfigMXBean().getMaximumPoolSize();
                lowest.accumulateAndGet(max, Math::min);
                highest.accumulateAndGet(max, Math::max);
                return max;
            };

            await("idle pool shrinks to its minimum").atMost(Duration.ofSeconds(20)).until(() -> maxSize.getAsInt() == 2);

            AtomicBoolean loaded = new AtomicBoolean(true);
            ExecutorService load = Executors.newFixedThreadPool(8);
            for (int i = 0; i < 8; i++) {
                load.submit(() -> {
                    while (loaded.get()) {
                        pool.withConnection(c -> {
                            try (Statement s = c.createStatement()) {
                                s.execute("SELECT pg_sleep(0.05)");
                            }
                            return null;
                        });
                    }
                    return null;
                });
            }
            await("waiting callers make it grow").atMost(Duration.ofSeconds(20)).until(() -> maxSize.getAsInt() >= 6);
            loaded.set(false);
            load.shutdown();

            await("idle again, it shrinks back").atMost(Duration.ofSeconds(30)).until(() -> maxSize.getAsInt() == 2);
        }
        assertThat(lowest.get()).as("never below the minimum").isGreaterThanOrEqualTo(2);
        assertThat(highest.get()).as("never above the maximum").isLessThanOrEqualTo(8);
    }
}
