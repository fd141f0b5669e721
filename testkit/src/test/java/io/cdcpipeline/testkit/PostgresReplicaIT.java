package io.cdcpipeline.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PostgresReplicaIT {

    private static PostgresServer primary;
    private static TestDatabase db;
    private static PostgresReplica replica;

    @BeforeAll
    static void start() {
        primary = EmbeddedInfrastructure.shared().postgres();
        db = primary.createDatabase("replica");
        db.execute("CREATE TABLE t (id int PRIMARY KEY)");
        replica = primary.startReplica();
    }

    @AfterAll
    static void stop() {
        replica.close();
    }

    @Test
    void shouldStreamPrimaryWritesToTheReplica() throws SQLException {
        db.execute("INSERT INTO t VALUES (1), (2), (3)");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(countOnReplica()).isEqualTo(3));
        try (Connection c = replica.superuserConnection(db.name()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery(), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            rs.next();
            assertThat(rs.getBoolean(1)).as("the replica is a hot standby").isTrue();
            assertThat(rs.getBoolean(2)).as("TLS on the replica too").isTrue();
        }
    }

    @Test
    void shouldFallBehindWhileReplayIsPaused() throws SQLException {
        replica.pauseReplay();
        try {
            int before = countOnReplica();
            db.execute("INSERT INTO t SELECT g FROM generate_series(100, 109) g");
            // Received but not replayed: the replica's view does not change.
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(countOnReplica()).isEqualTo(before));
        } finally {
            replica.resumeReplay();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(countOnReplica()).isGreaterThanOrEqualTo(10));
    }

    private static int countOnReplica() throws SQLException {
        try (Connection c = replica.superuserConnection(db.name()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
