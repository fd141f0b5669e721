package io.cdcpipeline.common.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.PostgresReplica;
import io.cdcpipeline.testkit.TestDatabase;

/** Routing against a real streaming replica of the kit's server. */
class ReplicaRoutingIT {

    private static TestDatabase db;
    private static PostgresReplica replica;

    @BeforeAll
    static void start() {
        db = EmbeddedInfrastructure.shared().postgres().createDatabase("replica-routing");
        db.execute("CREATE TABLE notes (id int PRIMARY KEY)");
        replica = db.server().startReplica();
    }

    @AfterAll
    static void stop() {
        replica.close();
    }

    private static Database open(String... extra) throws SQLException {
        String[] overrides = new String[extra.length + 6];
        overrides[0] = "DB_REPLICA_HOSTS";
        overrides[1] = replica.host() + ":" + replica.port();
        overrides[2] = "DB_REPLICA_CHECK_INTERVAL";
        overrides[3] = "100";
        overrides[4] = "DB_REPLICA_MAX_LAG";
        overrides[5] = "1000";
        System.arraycopy(extra, 0, overrides, 6, extra.length);
        return TestDatabases.open(TestDatabases.config(db, overrides), Priority.STANDARD);
    }

    private static boolean onReplica(Database database, String context) throws SQLException {
        return database.reads().read(context, c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                return rs.getBoolean(1);
            }
        });
    }

    @Test
    void shouldReadFromTheReplicaAndFallBackWhenItStops() throws Exception {
        try (Database database = open()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !database.reads().usableReplicas().isEmpty());
            assertThat(onReplica(database, null)).as("reads go to the healthy replica").isTrue();

            replica.stop();
            try {
                for (int i = 0; i < 5; i++) {
                    assertThat(onReplica(database, null)).as("replica down: the primary answers, no error").isFalse();
                }
            } finally {
                replica.start();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> onReplica(database, null));
        }
    }

    @Test
    void shouldAvoidALaggingReplica() throws Exception {
        try (Database database = open()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> onReplica(database, null));
            replica.pauseReplay();
            try {
                for (int i = 0; i < 30; i++) {
                    db.execute("INSERT INTO notes VALUES (" + (1000 + i) + ")");
                    Thread.sleep(50);
                }
                await("lag above 1 s").atMost(Duration.ofSeconds(15)).until(() -> !onReplica(database, null));
            } finally {
                replica.resumeReplay();
            }
            await("caught up again").atMost(Duration.ofSeconds(15)).until(() -> onReplica(database, null));
        }
    }

    @Test
    void shouldReadYourOwnWritesFromThePrimary() throws Exception {
        try (Database database = open("DB_READ_YOUR_WRITES_WINDOW", "2000")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> onReplica(database, "user-1"));
            database.reads().wrote("user-1");

            assertThat(onReplica(database, "user-1")).as("just wrote: primary").isFalse();
            assertThat(onReplica(database, "user-2")).as("another context: replica").isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> onReplica(database, "user-1"));
        }
    }
}
