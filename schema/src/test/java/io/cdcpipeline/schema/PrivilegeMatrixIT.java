package io.cdcpipeline.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each role against what it must and must not do, on a real server: PostgreSQL decides, not our checks. */
class PrivilegeMatrixIT {

    private static MigratedDatabase m;

    @BeforeAll
    static void migrate() throws SQLException {
        m = MigratedDatabase.create("privileges");
        m.execute("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'Org', 'org')");
        m.execute("INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 1, 'a@x.io', 'a', 'hash')");
        m.execute("INSERT INTO app.articles (id, org_id, author_id, slug, title, status) VALUES (1, 1, 1, 's1', 'T', 'published')");
        m.execute("INSERT INTO audit.change_log (source_table, op, primary_key, tx_id, source_lsn, committed_at, captured_at,"
                + " chain_topic, chain_partition, chain_offset, prev_hash, row_hash)"
                + " VALUES ('app.articles', 'c', '{\"id\": 1}', 1, 100, now(), now(), 't', 0, 0, '\\x00', '\\x01')");
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(Role.READ_ONLY_USER, "INSERT INTO app.articles (org_id, author_id, slug, title) VALUES (1, 1, 'x', 'x')"),
                Arguments.of(Role.READ_ONLY_USER, "UPDATE app.articles SET title = 'x'"),
                Arguments.of(Role.READ_ONLY_USER, "DELETE FROM app.users"),
                Arguments.of(Role.READ_ONLY_USER, "SELECT password_hash FROM app.users"),
                Arguments.of(Role.READ_ONLY_USER, "SELECT * FROM audit.change_log"),
                Arguments.of(Role.READ_ONLY_USER, "INSERT INTO analytics.article_daily_stats (article_id, day) VALUES (1, current_date)"),
                Arguments.of(Role.APP_USER, "SELECT * FROM audit.change_log"),
                Arguments.of(Role.APP_USER, "SELECT * FROM audit.tx_context"),
                Arguments.of(Role.APP_USER, "SELECT * FROM audit.row_history('app.articles', '{\"id\": 1}')"),
                Arguments.of(Role.ANALYTICS_USER, "SELECT * FROM audit.row_as_of('app.articles', '{\"id\": 1}', now())"),
                Arguments.of(Role.APP_USER, "INSERT INTO analytics.article_daily_stats (article_id, day) VALUES (1, current_date)"),
                Arguments.of(Role.APP_USER, "DELETE FROM app.article_views"),
                Arguments.of(Role.APP_USER, "CREATE TABLE app.sneaky (id int)"),
                Arguments.of(Role.AUDIT_USER, "UPDATE audit.change_log SET op = 'd'"),
                Arguments.of(Role.AUDIT_USER, "DELETE FROM audit.change_log"),
                Arguments.of(Role.AUDIT_USER, "TRUNCATE audit.change_log"),
                Arguments.of(Role.AUDIT_USER, "SELECT * FROM app.articles"),
                Arguments.of(Role.ANALYTICS_USER, "UPDATE app.articles SET title = 'x'"),
                Arguments.of(Role.ANALYTICS_USER, "DELETE FROM analytics.article_daily_stats"),
                Arguments.of(Role.ANALYTICS_USER, "SELECT * FROM audit.change_log"),
                Arguments.of(Role.MONITOR_USER, "SELECT * FROM app.articles"),
                Arguments.of(Role.CDC_USER, "INSERT INTO app.articles (org_id, author_id, slug, title) VALUES (1, 1, 'y', 'y')"),
                Arguments.of(Role.CDC_USER, "UPDATE app.users SET email = 'x'"),
                Arguments.of(Role.CDC_USER, "DELETE FROM app.comments"),
                Arguments.of(Role.CDC_USER, "SELECT * FROM audit.change_log"),
                Arguments.of(Role.CDC_USER, "SELECT * FROM analytics.article_daily_stats"),
                Arguments.of(Role.CDC_USER, "CREATE TABLE cdc.sneaky (id int)"));
    }

    static Stream<Arguments> allowed() {
        return Stream.of(
                Arguments.of(Role.READ_ONLY_USER, "SELECT id, email, username FROM app.users"),
                Arguments.of(Role.READ_ONLY_USER, "SELECT * FROM app.articles"),
                Arguments.of(Role.READ_ONLY_USER, "SELECT * FROM analytics.article_analytics"),
                Arguments.of(Role.READ_ONLY_USER, "SELECT * FROM audit.row_history('app.articles', '{\"id\": 1}')"),
                Arguments.of(Role.READ_ONLY_USER, "SELECT * FROM audit.row_as_of('app.articles', '{\"id\": 1}', now())"),
                Arguments.of(Role.APP_USER, "BEGIN; SET LOCAL app.org_id = '1'; SET LOCAL app.user_id = '1';"
                        + " INSERT INTO app.articles (id, org_id, author_id, slug, title) VALUES (5000, 1, 1, 'app-user-article', 'x'); COMMIT"),
                Arguments.of(Role.APP_USER, "INSERT INTO app.article_views (article_id) VALUES (1)"),
                Arguments.of(Role.AUDIT_USER, "INSERT INTO audit.change_log (source_table, op, primary_key, tx_id, source_lsn, committed_at,"
                        + " captured_at, chain_topic, chain_partition, chain_offset, prev_hash, row_hash) VALUES ('app.t', 'c', '{}', 2, 200,"
                        + " now(), now(), 't', 0, 1, '\\x01', '\\x02')"),
                Arguments.of(Role.AUDIT_USER, "INSERT INTO audit.tx_context (tx_id, committed_at, app_user) VALUES (2, now(), '42')"),
                Arguments.of(Role.AUDIT_USER, "INSERT INTO audit.chains (chain_topic, chain_partition, next_offset)"
                        + " VALUES ('t', 0, 1) ON CONFLICT (chain_topic, chain_partition) DO UPDATE SET next_offset = 2"),
                Arguments.of(Role.ANALYTICS_USER, "INSERT INTO analytics.article_daily_stats (article_id, day, views) VALUES (1, current_date, 3)"
                        + " ON CONFLICT (article_id, day) DO UPDATE SET views = EXCLUDED.views"),
                Arguments.of(Role.ANALYTICS_USER, "REFRESH MATERIALIZED VIEW CONCURRENTLY analytics.article_analytics"),
                Arguments.of(Role.MONITOR_USER, "SELECT count(*) FROM pg_stat_activity WHERE query IS NOT NULL"),
                Arguments.of(Role.CDC_USER, "SELECT * FROM app.users"),
                Arguments.of(Role.CDC_USER, "UPDATE cdc.heartbeat SET beat_at = now() WHERE id = 1"),
                Arguments.of(Role.CDC_USER, "INSERT INTO cdc.signal (id, type, data) VALUES ('s1', 'execute-snapshot', '{}')"));
    }

    @ParameterizedTest(name = "{0} must not: {1}")
    @MethodSource("refused")
    void shouldRefuse(Role role, String sql) throws SQLException {
        try (Connection c = m.connectAs(role); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute(sql))
                    .as("%s: %s", role.roleName(), sql)
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).as("permission denied, not another error")
                            .isEqualTo("42501"));
        }
    }

    @ParameterizedTest(name = "{0} may: {1}")
    @MethodSource("allowed")
    void shouldAllow(Role role, String sql) throws SQLException {
        try (Connection c = m.connectAs(role); Statement s = c.createStatement()) {
            assertThatCode(() -> s.execute(sql)).as("%s: %s", role.roleName(), sql).doesNotThrowAnyException();
        }
    }

    /**
     * The append-only triggers refuse a plain UPDATE, DELETE or TRUNCATE of the log, a superuser's
     * included. They are a guard against mistakes, not against a superuser, who can switch them
     * off (ALTER TABLE ... DISABLE TRIGGER, session_replication_role = replica): what catches that
     * is verify against the signed checkpoints (audit-sink TamperEvidenceIT).
     */
    @ParameterizedTest(name = "a plain statement is refused by the append-only triggers, even a superuser's: {0}")
    @MethodSource("tampering")
    void shouldRefusePlainAuditModificationsWhileTheTriggersAreOn(String sql) throws SQLException {
        try (Connection c = m.superuser(); Statement s = c.createStatement()) {
            // Row triggers fire only on rows: give each table one.
            s.execute("INSERT INTO audit.tx_context (tx_id, committed_at, app_user) VALUES (7, '2026-01-01 00:00+00', '7')"
                    + " ON CONFLICT DO NOTHING");
            s.execute("INSERT INTO audit.change_log (source_table, op, primary_key, source_lsn, committed_at, captured_at, chain_topic,"
                    + " chain_partition, chain_offset, prev_hash, row_hash) VALUES ('app.t', 'c', '{}', 7, '2026-01-01 00:00+00',"
                    + " now(), 'matrix', 0, 7, '\\x01', '\\x02') ON CONFLICT DO NOTHING");
            assertThatThrownBy(() -> s.execute(sql)).isInstanceOf(SQLException.class).hasMessageContaining("append-only");
        }
    }

    static Stream<String> tampering() {
        return Stream.of("UPDATE audit.change_log SET op = 'd'", "DELETE FROM audit.change_log",
                "TRUNCATE audit.change_log", "TRUNCATE audit.change_log_default", "DELETE FROM audit.tx_context",
                "UPDATE audit.tx_context SET app_user = 'someone-else'");
    }
}
