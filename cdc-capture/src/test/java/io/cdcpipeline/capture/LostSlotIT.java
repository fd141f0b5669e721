package io.cdcpipeline.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cdcpipeline.testkit.CertificateFiles;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.PostgresServer;
import io.cdcpipeline.testkit.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** A slot whose WAL was removed must stop capture loudly, with what to do, never stream with a gap. */
class LostSlotIT {

    @Test
    void shouldRefuseToStreamFromASlotThatLostWal(@TempDir Path dir) throws Exception {
        // A server of its own that keeps at most one segment for slots.
        try (PostgresServer pg = PostgresServer.start(dir.resolve("pg"), EmbeddedInfrastructure.shared().tls(),
                List.of("max_slot_wal_keep_size = '1MB'", "wal_keep_size = 0"))) {
            pg.ensureRole("cdc_user", "REPLICATION");
            TestDatabase db = pg.createDatabase("lost-slot");
            db.execute("SELECT pg_create_logical_replication_slot('lost_slot', 'pgoutput')");
            db.execute("CREATE TABLE filler (payload text)");
            for (int i = 0; i < 10 && !walStatus(db).equals("lost"); i++) {
                db.execute("INSERT INTO filler SELECT md5(g::text) FROM generate_series(1, 200000) g");
                db.execute("SELECT pg_switch_wal()");
                db.execute("CHECKPOINT");
            }
            assertThat(walStatus(db)).as("precondition: the slot lost its WAL").isEqualTo("lost");

            Map<String, String> env = new HashMap<>(db.passwordEnv("cdc_user", null));
            CertificateFiles cert = pg.tls().client("cdc_user");
            env.put("DB_SSL_CERT", cert.certificate().toString());
            env.put("DB_SSL_KEY", cert.privateKey().toString());
            env.put("KAFKA_BOOTSTRAP_SERVERS", EmbeddedInfrastructure.shared().kafka().bootstrapServers());
            env.put("CAPTURE_SLOT_NAME", "lost_slot");
            env.put("KAFKA_TOPIC_PREFIX", "lostslot");
            env.put("KAFKA_REPLICATION_FACTOR", "1");
            CaptureRunner runner = new CaptureRunner(CaptureConfig.from(env), new SimpleMeterRegistry());

            assertThatThrownBy(runner::run)
                    .isInstanceOf(SlotMonitor.SlotLostException.class)
                    .hasMessageContaining("lost_slot has lost WAL")
                    .hasMessageContaining("pg_drop_replication_slot('lost_slot')")
                    .hasMessageContaining("CAPTURE_SNAPSHOT_MODE=initial");
        }
    }

    private static String walStatus(TestDatabase db) throws Exception {
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'lost_slot'")) {
            rs.next();
            return String.valueOf(rs.getString(1));
        }
    }
}
