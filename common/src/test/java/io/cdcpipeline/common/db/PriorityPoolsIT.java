package io.cdcpipeline.common.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.TestDatabase;

class PriorityPoolsIT {

    private static final Duration BULK_QUERY = Duration.ofSeconds(4);

    @Test
    void shouldKeepCriticalAcquisitionsFastWhileBulkIsSaturated() throws Exception {
        TestDatabase db = EmbeddedInfrastructure.shared().postgres().createDatabase("priorities");
        DatabaseConfig config = TestDatabases.config(db, "DB_BULK_MAX_CONNECTIONS", "2", "DB_CRITICAL_MAX_CONNECTIONS", "2",
                "DB_MIN_CONNECTIONS", "1");
        ExecutorService load = Executors.newFixedThreadPool(6);
        try (Database database = TestDatabases.open(config, Priority.CRITICAL, Priority.BULK)) {
            // Six long analyst queries for two bulk connections: four of them queue in the bulk pool.
            for (int i = 0; i < 6; i++) {
                load.submit(() -> database.bulk().withConnection(c -> {
                    try (Statement s = c.createStatement()) {
                        s.execute("SELECT pg_sleep(" + BULK_QUERY.toMillis() / 1000.0 + ")");
                    }
                    return null;
                }));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> database.bulk().stats().getThreadsAwaitingConnection() >= 4);

            List<Long> criticalMillis = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                long start = System.nanoTime();
                database.critical().withConnection(c -> {
                    try (Statement s = c.createStatement()) {
                        s.execute("SELECT 1");
                    }
                    return null;
                });
                criticalMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }

            assertThat(database.bulk().stats().getThreadsAwaitingConnection()).as("bulk still saturated").isGreaterThanOrEqualTo(2);
            assertThat(criticalMillis.stream().mapToLong(Long::longValue).max().orElseThrow())
                    .as("slowest critical unit of work, ms (bulk queries take %s)", BULK_QUERY)
                    .isLessThan(BULK_QUERY.toMillis() / 4);
        } finally {
            load.shutdownNow();
        }
    }

    @Test
    void shouldRefusePoolsThatCannotFitTheServer() throws SQLException {
        TestDatabase db = EmbeddedInfrastructure.shared().postgres().createDatabase("budget");
        DatabaseConfig config = TestDatabases.config(db, "DB_MAX_CONNECTIONS", "200");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestDatabases.open(config, Priority.CRITICAL, Priority.BULK))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the pools need 400 connections (critical 200 + bulk 200) but the server allows 297")
                .hasMessageContaining("max_connections 300");
        try (Connection c = db.superuserConnection()) {
            assertThat(c.isValid(1)).isTrue();
        }
    }
}
