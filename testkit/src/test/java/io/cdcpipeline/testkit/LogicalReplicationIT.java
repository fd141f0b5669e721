package io.cdcpipeline.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

/** The capture path's prerequisites: a certificate-authenticated, encrypted logical replication connection. */
class LogicalReplicationIT {

    private static PostgresServer server;
    private static TestDatabase db;

    @BeforeAll
    static void prepare() {
        server = EmbeddedInfrastructure.shared().postgres();
        server.ensureRole(PostgresServer.CDC_ROLE, "REPLICATION");
        db = server.createDatabase("logical");
        db.execute("CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL)");
        db.execute("GRANT SELECT ON items TO cdc_user");
        db.execute("CREATE PUBLICATION kit_pub FOR TABLE items");
    }

    @Test
    void shouldStreamAChangeOverCertificateAuthenticatedTls() throws Exception {
        Properties props = new Properties();
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        PGProperty.APPLICATION_NAME.set(props, "kit-logical-test");

        try (Connection replication = DriverManager.getConnection(db.jdbcUrlWithClientCertificate("cdc_user"), props)) {
            PGConnection pg = replication.unwrap(PGConnection.class);
            pg.getReplicationAPI().createReplicationSlot().logical()
                    .withSlotName("kit_slot").withOutputPlugin("pgoutput").make();
            db.execute("INSERT INTO items VALUES (1, 'hello-from-the-wal')");

            try (PGReplicationStream stream = pg.getReplicationAPI().replicationStream().logical()
                    .withSlotName("kit_slot")
                    .withSlotOption("proto_version", 1)
                    .withSlotOption("publication_names", "kit_pub")
                    .withStatusInterval(1, TimeUnit.SECONDS)
                    .start()) {
                List<String> inserted = readInsertedValues(stream, 1);
                assertThat(inserted).as("the INSERT decoded by pgoutput").contains("hello-from-the-wal");

                try (Connection su = db.superuserConnection(); Statement s = su.createStatement();
                     ResultSet rs = s.executeQuery("SELECT r.usename, s.ssl, s.client_dn FROM pg_stat_replication r"
                             + " JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = 'kit-logical-test'")) {
                    assertThat(rs.next()).as("our walsender is listed in pg_stat_replication").isTrue();
                    assertThat(rs.getString("usename")).isEqualTo("cdc_user");
                    assertThat(rs.getBoolean("ssl")).as("the walsender connection is encrypted").isTrue();
                    assertThat(rs.getString("client_dn")).as("authenticated by certificate").isEqualTo("/CN=cdc_user");
                }
            }
        } finally {
            db.execute("SELECT pg_drop_replication_slot('kit_slot') FROM pg_replication_slots WHERE slot_name = 'kit_slot'");
        }
    }

    /** Reads pgoutput messages until {@code count} INSERTs arrived; returns their text column values. */
    private static List<String> readInsertedValues(PGReplicationStream stream, int count) throws Exception {
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (values.size() < count && System.nanoTime() < deadline) {
            ByteBuffer message = stream.readPending();
            if (message == null) {
                Thread.onSpinWait();
                continue;
            }
            byte type = message.get(message.position());
            if (type == 'I') {
                values.addAll(textColumns(message));
            }
            stream.setAppliedLSN(stream.getLastReceiveLSN());
            stream.setFlushedLSN(stream.getLastReceiveLSN());
        }
        return values;
    }

    /** pgoutput Insert: 'I', int32 relation id, 'N', int16 columns, then per column a kind byte and value. */
    private static List<String> textColumns(ByteBuffer message) {
        ByteBuffer b = message.duplicate();
        b.get();
        b.getInt();
        b.get();
        short columns = b.getShort();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < columns; i++) {
            byte kind = b.get();
            if (kind == 't') {
                byte[] bytes = new byte[b.getInt()];
                b.get(bytes);
                values.add(new String(bytes, StandardCharsets.UTF_8));
            }
        }
        return values;
    }
}
