package io.cdcpipeline.common.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.PostgresServer;
import io.cdcpipeline.testkit.TestDatabase;

class RetryIT {

    private static final int TRANSACTIONS = 400;

    @Test
    void shouldCommitEveryTransactionExactlyOnceAcrossAServerRestart() throws Exception {
        PostgresServer server = EmbeddedInfrastructure.shared().postgres();
        TestDatabase db = server.createDatabase("retry-restart");
        db.execute("CREATE TABLE payments (id int PRIMARY KEY, amount int NOT NULL)");
        db.execute("CREATE TABLE ledger (total bigint NOT NULL)");
        db.execute("INSERT INTO ledger VALUES (0)");
        // A budget longer than the restart: 10 retries, 200 ms doubling, capped at 2 s.
        DatabaseConfig config = TestDatabases.config(db, "DB_RETRY_ATTEMPTS", "10", "DB_RETRY_DELAY", "200",
                "DB_RETRY_MAX_DELAY", "2000", "DB_ACQUIRE_TIMEOUT", "3000", "DB_MAX_CONNECTIONS", "4");

        List<Integer> failed = new ArrayList<>();
        try (Database database = TestDatabases.open(config, Priority.CRITICAL)) {
            ExecutorService writer = Executors.newSingleThreadExecutor();
            AtomicInteger done = new AtomicInteger();
            Future<?> stream = writer.submit(() -> {
                for (int i = 1; i <= TRANSACTIONS; i++) {
                    int id = i;
                    try {
                        // Idempotent unit: the payment's key decides whether the ledger moves, so a
                        // retry after a commit whose outcome was lost changes nothing.
                        database.critical().inTransaction(tx -> {
                            try (PreparedStatement insert = tx.prepareStatement(
                                    "INSERT INTO payments VALUES (?, 1) ON CONFLICT (id) DO NOTHING")) {
                                insert.setInt(1, id);
                                if (insert.executeUpdate() == 1) {
                                    try (Statement s = tx.createStatement()) {
                                        s.executeUpdate("UPDATE ledger SET total = total + 1");
                                    }
                                }
                            }
                            return null;
                        });
                    } catch (SQLException e) {
                        synchronized (failed) {
                            failed.add(id);
                        }
                    }
                    done.incrementAndGet();
                }
                return null;
            });
            while (done.get() < TRANSACTIONS / 4) {
                Thread.sleep(5);
            }
            server.stop();
            Thread.sleep(1500);
            server.start();
            stream.get(120, TimeUnit.SECONDS);
            writer.shutdown();
        }

        assertThat(failed).as("no transaction is reported failed").isEmpty();
        try (var c = db.superuserConnection(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT (SELECT count(*) FROM payments), (SELECT total FROM ledger)")) {
            rs.next();
            assertThat(rs.getInt(1)).as("every transaction committed").isEqualTo(TRANSACTIONS);
            assertThat(rs.getLong(2)).as("and exactly once").isEqualTo(TRANSACTIONS);
        }
    }

    @Test
    void shouldNotRetryAPermanentError() throws Exception {
        TestDatabase db = EmbeddedInfrastructure.shared().postgres().createDatabase("retry-permanent");
        DatabaseConfig config = TestDatabases.config(db, "DB_RETRY_ATTEMPTS", "5", "DB_RETRY_DELAY", "100");
        AtomicInteger attempts = new AtomicInteger();
        try (Database database = TestDatabases.open(config, Priority.CRITICAL)) {
            assertThatThrownBy(() -> database.critical().inTransaction(tx -> {
                attempts.incrementAndGet();
                try (Statement s = tx.createStatement()) {
                    s.execute("SELEC 1");
                }
                return null;
            })).isInstanceOf(SQLException.class).hasMessageContaining("syntax error")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42601"));
        }
        assertThat(attempts).as("a syntax error fails at once").hasValue(1);
    }

    @Test
    void shouldRetryASerializationFailure() throws Exception {
        TestDatabase db = EmbeddedInfrastructure.shared().postgres().createDatabase("retry-serialization");
        DatabaseConfig config = TestDatabases.config(db, "DB_RETRY_ATTEMPTS", "3", "DB_RETRY_DELAY", "10");
        AtomicInteger attempts = new AtomicInteger();
        try (Database database = TestDatabases.open(config, Priority.CRITICAL)) {
            int result = database.critical().inTransaction(tx -> {
                if (attempts.incrementAndGet() == 1) {
                    // What PostgreSQL raises when SERIALIZABLE transactions conflict.
                    try (Statement s = tx.createStatement()) {
                        s.execute("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$");
                    }
                }
                return 42;
            });
            assertThat(result).isEqualTo(42);
        }
        assertThat(attempts).hasValue(2);
    }
}
