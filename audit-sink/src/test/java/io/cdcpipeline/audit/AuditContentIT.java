package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.capture.CaptureFixture;

/** Who changed what, what is hidden, and what happens to a record that is not an envelope. */
class AuditContentIT {

    private static AuditFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = AuditFixture.start("audit-content");
        f.startSink("AUDIT_MASKED_COLUMNS", "app.users.email,app.user_sessions.user_agent");
        f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (5, 'Org', 'org')");
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    @Test
    void shouldAttributeChangesToTheApplicationUserAndTheDatabaseRole() throws Exception {
        try (Connection app = DriverManager.getConnection(f.capture.db.jdbcUrl(), "app_user", CaptureFixture.PASSWORD);
             Statement s = app.createStatement()) {
            app.setAutoCommit(false);
            s.execute("SET LOCAL app.user_id = '42'");
            s.execute("SET LOCAL app.org_id = '5'");
            s.execute("INSERT INTO app.tags (id, org_id, name, slug) VALUES (500, 5, 'actor', 'actor-1'), (501, 5, 'actor', 'actor-2')");
            app.commit();
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> f.count("SELECT count(*) FROM audit.changes_with_actor"
                + " WHERE source_table = 'app.tags' AND app_user IS NOT NULL AND (primary_key->>'id')::int IN (500, 501)") == 2);
        try (Connection c = f.capture.db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT DISTINCT app_user, app_org, db_user FROM audit.changes_with_actor"
                     + " WHERE source_table = 'app.tags' AND (primary_key->>'id')::int IN (500, 501)")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("42");
            assertThat(rs.getString(2)).isEqualTo("5");
            assertThat(rs.getString(3)).isEqualTo("app_user");
            assertThat(rs.next()).as("one actor for the transaction").isFalse();
        }
    }

    @Test
    void shouldNeverWriteAMaskedColumn() throws Exception {
        f.capture.sql("INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (70, 5, 'secret.person@example.com', 'sp', 'h')",
                "INSERT INTO app.user_sessions (user_id, expires_at, user_agent) VALUES (70, now(), 'SecretBrowser/1.0')");
        f.capture.sql("UPDATE app.users SET email = 'other.secret@example.com' WHERE id = 70");

        await().atMost(Duration.ofSeconds(60)).until(() -> f.count("SELECT count(*) FROM audit.change_log"
                + " WHERE source_table = 'app.users' AND (primary_key->>'id')::int = 70") == 2);
        assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE before::text LIKE '%secret%' OR after::text LIKE '%secret%'"
                + " OR after::text LIKE '%SecretBrowser%'")).isZero();
        assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE source_table = 'app.users' AND op = 'u'"
                + " AND after->>'email' = '****' AND changed_columns = '{}'"))
                .as("masked values compare equal: the change of a masked column is not even revealed").isOne();
        assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE after ? 'password_hash' OR before ? 'password_hash'"))
                .isZero();
    }

    @Test
    void shouldDeadLetterAPoisonRecordAndKeepAuditing() throws Exception {
        String topic = f.capture.topic("tags");
        f.capture.sql("INSERT INTO app.tags (id, org_id, name, slug) VALUES (599, 5, 'before-poison', 'before-poison')");
        await().atMost(Duration.ofSeconds(60)).until(() -> f.count("SELECT count(*) FROM audit.change_log"
                + " WHERE source_table = 'app.tags' AND (primary_key->>'id')::int = 599") == 1);
        f.capture.kafka.topics().produce(topic, List.of(Map.entry("{\"id\":999}", "this is not an envelope")));
        f.capture.sql("INSERT INTO app.tags (id, org_id, name, slug) VALUES (600, 5, 'after-poison', 'after-poison')");

        await().atMost(Duration.ofSeconds(60)).until(() -> f.count("SELECT count(*) FROM audit.change_log"
                + " WHERE source_table = 'app.tags' AND (primary_key->>'id')::int = 600") == 1);
        List<ConsumerRecord<String, String>> dead = f.capture.kafka.topics().drain("audit-sink.dlq", 1000, Duration.ofSeconds(10))
                .stream().filter(r -> header(r, "__connect.errors.topic").equals(topic)).toList();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo("this is not an envelope");
        assertThat(header(dead.get(0), "__connect.errors.exception.message")).contains("not JSON");
        assertThat(header(dead.get(0), "__connect.errors.partition")).matches("[0-9]+");
        assertThat(header(dead.get(0), "__connect.errors.offset")).matches("[0-9]+");
    }

    @Test
    void shouldNotLetTheAuditRoleRewriteTheLog() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> f.auditRows() > 0);
        try (Connection c = DriverManager.getConnection(f.capture.db.jdbcUrl(), "audit_user", CaptureFixture.PASSWORD);
             Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("UPDATE audit.change_log SET op = 'd'")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("permission denied");
            assertThatThrownBy(() -> s.execute("DELETE FROM audit.change_log")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("permission denied");
            assertThatThrownBy(() -> s.execute("SELECT after FROM audit.change_log")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("permission denied");
        }
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
