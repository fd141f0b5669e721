package io.cdcpipeline.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

/** The statement-level trigger emits one audit.context message per transaction, read back from a pgoutput slot. */
class AuditContextTriggerIT {

    @Test
    void shouldEmitExactlyOneContextMessagePerAuditedTransaction() throws Exception {
        MigratedDatabase m = MigratedDatabase.create("audit-context");
        Properties props = new Properties();
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");

        try (Connection replication = DriverManager.getConnection(m.db.jdbcUrlWithClientCertificate("cdc_user"), props)) {
            PGConnection pg = replication.unwrap(PGConnection.class);
            pg.getReplicationAPI().createReplicationSlot().logical().withSlotName("ctx_test").withOutputPlugin("pgoutput").make();

            // Three statements on two audited tables in one transaction, with the actor set.
            try (Connection app = m.superuser(); Statement s = app.createStatement()) {
                app.setAutoCommit(false);
                s.execute("SET LOCAL app.user_id = '42'");
                s.execute("SET LOCAL app.org_id = '7'");
                s.execute("INSERT INTO app.organizations (id, name, slug) VALUES (7, 'O', 'o')");
                s.execute("INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 7, 'a@b.c', 'a', 'h'), (2, 7, 'b@b.c', 'b', 'h')");
                s.execute("UPDATE app.users SET display_name = 'x'");
                app.commit();
                // A transaction that touches no audited table.
                s.execute("INSERT INTO analytics.article_daily_stats (article_id, day) VALUES (1, current_date)");
                app.commit();
                // A second audited transaction, without actor settings.
                s.execute("DELETE FROM app.users WHERE id = 2");
                app.commit();
            }

            Map<Integer, List<String>> messagesByTransaction = new LinkedHashMap<>();
            try (PGReplicationStream stream = pg.getReplicationAPI().replicationStream().logical()
                    .withSlotName("ctx_test")
                    .withSlotOption("proto_version", 1)
                    .withSlotOption("publication_names", "cdc_pub")
                    .withSlotOption("messages", true)
                    .withStatusInterval(1, TimeUnit.SECONDS)
                    .start()) {
                readUntil(stream, messagesByTransaction, 2);
            } finally {
                m.execute("SELECT pg_drop_replication_slot('ctx_test')");
            }

            assertThat(messagesByTransaction).as("two audited transactions, each with exactly one message").hasSize(2);
            List<List<String>> perTx = new ArrayList<>(messagesByTransaction.values());
            assertThat(perTx.get(0)).hasSize(1);
            assertThat(perTx.get(0).get(0)).contains("\"app_user\" : \"42\"").contains("\"org\" : \"7\"").contains("\"db_user\" : \"postgres\"");
            assertThat(perTx.get(1)).hasSize(1);
            assertThat(perTx.get(1).get(0)).contains("\"app_user\" : null");
        }
    }

    /** pgoutput v1: 'B' begin (final LSN, commit time, xid), 'M' message (flags, LSN, prefix, length, content), 'C' commit. */
    private static void readUntil(PGReplicationStream stream, Map<Integer, List<String>> byTransaction, int commitsWanted)
            throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int currentXid = -1;
        int commits = 0;
        while (commits < commitsWanted && System.nanoTime() < deadline) {
            ByteBuffer b = stream.readPending();
            if (b == null) {
                Thread.onSpinWait();
                continue;
            }
            byte type = b.get();
            if (type == 'B') {
                b.getLong();
                b.getLong();
                currentXid = b.getInt();
            } else if (type == 'M') {
                b.get();
                b.getLong();
                StringBuilder prefix = new StringBuilder();
                for (byte c = b.get(); c != 0; c = b.get()) {
                    prefix.append((char) c);
                }
                byte[] content = new byte[b.getInt()];
                b.get(content);
                if (prefix.toString().equals("audit.context")) {
                    byTransaction.computeIfAbsent(currentXid, x -> new ArrayList<>()).add(new String(content, StandardCharsets.UTF_8));
                }
            } else if (type == 'C' && byTransaction.containsKey(currentXid)) {
                commits++;
            }
            stream.setFlushedLSN(stream.getLastReceiveLSN());
        }
    }
}
