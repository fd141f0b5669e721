package io.cdcpipeline.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.audit.AuditSinkService;
import io.cdcpipeline.audit.checkpoint.LocalCheckpoints;
import io.cdcpipeline.capture.CaptureFixture;
import io.cdcpipeline.common.service.ServiceThread;
import io.cdcpipeline.schema.Role;
import io.cdcpipeline.schema.SchemaCli;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;

/**
 * Auditing tables of one's own, as docs/postgres.md tells it: a database migrated without the blog
 * example, a schema the project did not create ({@code billing}), a table of it enrolled with
 * {@code schema enroll} (after a dry run that changes nothing), then captured and audited with the
 * acting user of the application's own role. Neither capture nor audit-sink is told which tables:
 * they follow the publication, and a table enrolled later is captured from capture's next start.
 * {@code schema unenroll} puts the tables back as they were.
 */
class EnrollIT {

    @Test
    void shouldAuditATableOfTheUsersOwnAndUndoTheEnrollment() throws Exception {
        CaptureFixture f = CaptureFixture.create("enroll", EmbeddedInfrastructure.shared().postgres(), false);
        f.sql("CREATE SCHEMA billing",
                "CREATE TABLE billing.invoices (id bigint PRIMARY KEY, customer text NOT NULL, amount numeric(10, 2) NOT NULL)",
                "CREATE TABLE billing.payments (id bigint PRIMARY KEY, invoice_id bigint NOT NULL, amount numeric(10, 2) NOT NULL)",
                "CREATE TABLE billing.notes (body text)",
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'billing_app') THEN"
                        + " CREATE ROLE billing_app LOGIN PASSWORD 'billing-password'; END IF; END $$",
                "GRANT CONNECT ON DATABASE " + f.db.name() + " TO billing_app",
                "GRANT USAGE ON SCHEMA billing TO billing_app",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON billing.invoices, billing.payments TO billing_app");
        Map<String, String> env = new HashMap<>(f.db.superuserEnv());

        Run dry = schema(env, "enroll", "--tables", "billing.invoices", "--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("ALTER PUBLICATION cdc_pub ADD TABLE \"billing\".\"invoices\";",
                "ALTER TABLE \"billing\".\"invoices\" REPLICA IDENTITY FULL;", "GRANT USAGE ON SCHEMA \"billing\" TO cdc_user;",
                "GRANT SELECT ON \"billing\".\"invoices\" TO cdc_user;", "CREATE TRIGGER audit_context", "dry run: nothing was changed");
        assertThat(published(f)).as("a dry run changes nothing").isZero();

        Run noKey = schema(env, "enroll", "--tables", "billing.*");
        assertThat(noKey.code()).isEqualTo(1);
        assertThat(noKey.err()).contains("billing.notes has no primary key");
        assertThat(published(f)).as("a refused enrollment changes nothing").isZero();

        Run enrolled = schema(env, "enroll", "--tables", "billing.invoices");
        assertThat(enrolled.code()).as(enrolled.err()).isZero();
        assertThat(published(f)).isOne();
        assertThat(schema(env, "verify").code()).as("the enrolled table passes the schema checks").isZero();

        Map<String, String> sinkEnv = new HashMap<>(f.serviceEnv(Role.AUDIT_USER));
        sinkEnv.putAll(Map.of("KAFKA_TOPIC_PREFIX", f.prefix, "AUDIT_CONSUMER_GROUP", "enroll-" + f.prefix,
                "KAFKA_REPLICATION_FACTOR", "1"));
        sinkEnv.putAll(LocalCheckpoints.env(Path.of("target", "enroll-checkpoints-" + f.prefix).toAbsolutePath()));
        try (ServiceThread sink = new ServiceThread("audit-sink", AuditSinkService.create(sinkEnv));
             Connection app = DriverManager.getConnection(f.db.jdbcUrl(), "billing_app", "billing-password");
             Statement s = app.createStatement()) {
            app.setAutoCommit(false);
            try (CaptureFixture.InProcess capture = f.startInProcess()) {
                capture.awaitStreaming();
                s.execute("SET LOCAL app.user_id = '77'");
                s.execute("INSERT INTO billing.invoices VALUES (1, 'ACME', 100.00), (2, 'Globex', 250.50)");
                s.execute("UPDATE billing.invoices SET amount = 120.00 WHERE id = 1");
                s.execute("DELETE FROM billing.invoices WHERE id = 2");
                app.commit();

                await("the invoices' changes in the audit log, with their actor").atMost(Duration.ofSeconds(60))
                        .until(() -> count(f, "SELECT count(*) FROM audit.changes_with_actor WHERE source_table = 'billing.invoices'"
                                + " AND app_user = '77' AND db_user = 'billing_app'") == 4);
                assertThat(count(f, "SELECT count(*) FROM audit.change_log WHERE source_table = 'billing.invoices' AND op = 'u'"
                        + " AND before->>'amount' = '100.00' AND after->>'amount' = '120.00' AND changed_columns = '{amount}'"))
                        .as("the full before image").isOne();

                Run later = schema(env, "enroll", "--tables", "billing.payments");
                assertThat(later.code()).as(later.err()).isZero();
            }
            // Capture reads the publication at each start: the table enrolled while it ran is captured now.
            try (CaptureFixture.InProcess capture = f.startInProcess()) {
                capture.awaitStreaming();
                s.execute("SET LOCAL app.user_id = '78'");
                s.execute("INSERT INTO billing.payments VALUES (10, 1, 120.00)");
                app.commit();
                await("the payment in the audit log").atMost(Duration.ofSeconds(60))
                        .until(() -> count(f, "SELECT count(*) FROM audit.changes_with_actor WHERE source_table = 'billing.payments'"
                                + " AND app_user = '78' AND op = 'c'") == 1);
            }
        }
        assertThat(count(f, "SELECT count(*) FROM pg_namespace WHERE nspname IN ('app', 'analytics')"))
                .as("no example schema in the user's database").isZero();

        Run undone = schema(env, "unenroll", "--tables", "billing.invoices,billing.payments");
        assertThat(undone.code()).as(undone.err()).isZero();
        assertThat(published(f)).isZero();
        assertThat(count(f, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'billing.invoices'::regclass AND tgname = 'audit_context'"))
                .isZero();
        assertThat(count(f, "SELECT count(*) FROM pg_class WHERE oid = 'billing.invoices'::regclass AND relreplident = 'd'"))
                .as("replica identity as it was").isOne();
        assertThat(count(f, "SELECT count(*) WHERE has_table_privilege('cdc_user', 'billing.invoices', 'SELECT')")).isZero();
        assertThat(schema(env, "unenroll", "--tables", "billing.invoices").code()).as("nothing left to undo").isEqualTo(1);
    }

    private record Run(int code, String out, String err) {
    }

    private static Run schema(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SchemaCli.run(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    private static long published(CaptureFixture f) throws Exception {
        return count(f, "SELECT count(*) FROM pg_publication_tables WHERE pubname = 'cdc_pub' AND schemaname = 'billing'");
    }

    private static long count(CaptureFixture f, String sql) throws Exception {
        try (Connection c = f.db.superuserConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
