package io.cdcpipeline.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** app_user sees and changes only what app.user_id / app.org_id (SET LOCAL by the application) allow. */
class RowLevelSecurityIT {

    private static MigratedDatabase m;

    @BeforeAll
    static void seed() throws SQLException {
        m = MigratedDatabase.create("rls");
        m.execute("""
                INSERT INTO app.organizations (id, name, slug) VALUES (10, 'X', 'x'), (20, 'Y', 'y');
                INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES
                    (1, 10, 'a@x.io', 'alice', 'h'), (2, 10, 'b@x.io', 'bob', 'h'), (3, 20, 'c@y.io', 'carol', 'h');
                INSERT INTO app.user_preferences (user_id, preferences) VALUES (1, '{"theme": "dark"}'), (2, '{"theme": "light"}');
                INSERT INTO app.user_sessions (user_id, expires_at) VALUES (1, now() + interval '1 day'), (2, now() + interval '1 day');
                INSERT INTO app.articles (id, org_id, author_id, slug, title, status) VALUES
                    (100, 10, 1, 'x-1', 'X article', 'published'), (200, 20, 3, 'y-1', 'Y article', 'published');
                """);
    }

    @Test
    void shouldShowUsersOnlyTheirOwnPreferencesAndSessions() throws SQLException {
        assertThat(queryAsApp("1", "10", "SELECT user_id::text FROM app.user_preferences")).containsExactly("1");
        assertThat(queryAsApp("1", "10", "SELECT user_id::text FROM app.user_sessions")).containsExactly("1");
        assertThat(queryAsApp("2", "10", "SELECT preferences->>'theme' FROM app.user_preferences")).containsExactly("light");
        assertThat(queryAsApp("1", "10", "SELECT id::text FROM app.users")).containsExactly("1");
    }

    @Test
    void shouldNotLetAUserModifyAnothersData() throws SQLException {
        assertThat(updateAsApp("1", "10", "UPDATE app.user_preferences SET preferences = '{}' WHERE user_id = 2"))
                .as("bob's row is invisible to alice, so nothing is updated").isZero();
        assertThat(updateAsApp("1", "10", "DELETE FROM app.user_sessions WHERE user_id = 2")).isZero();
        assertThat(m.queryLong("SELECT count(*) FROM app.user_preferences WHERE user_id = 2 AND preferences->>'theme' = 'light'")).isOne();

        assertThatThrownBy(() -> updateAsApp("1", "10", "INSERT INTO app.user_sessions (user_id, expires_at) VALUES (2, now())"))
                .as("WITH CHECK: alice cannot create a session for bob")
                .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
        assertThatThrownBy(() -> updateAsApp("1", "10", "UPDATE app.user_preferences SET user_id = 2 WHERE user_id = 1"))
                .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
    }

    @Test
    void shouldScopeArticlesToTheOrganization() throws SQLException {
        assertThat(queryAsApp("1", "10", "SELECT title FROM app.articles")).containsExactly("X article");
        assertThat(queryAsApp("3", "20", "SELECT title FROM app.articles")).containsExactly("Y article");
        assertThatThrownBy(() -> updateAsApp("1", "10",
                "INSERT INTO app.articles (org_id, author_id, slug, title) VALUES (20, 1, 'smuggled', 'into Y')"))
                .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
        assertThat(updateAsApp("1", "10", "UPDATE app.articles SET title = 'hijacked' WHERE id = 200")).isZero();
    }

    @Test
    void shouldReturnNoRowsWithoutSettingsInsteadOfAnError() throws SQLException {
        assertThat(queryAsApp(null, null, "SELECT id::text FROM app.users")).isEmpty();
        assertThat(queryAsApp(null, null, "SELECT id::text FROM app.articles")).isEmpty();
        assertThat(queryAsApp("", "", "SELECT user_id::text FROM app.user_preferences")).isEmpty();
        assertThat(queryAsApp("1 OR true", "10; DROP TABLE x", "SELECT id::text FROM app.articles"))
                .as("malformed settings mean no rows").isEmpty();
    }

    @Test
    void shouldLetAnalystsReadEveryRowButNoPasswordHash() throws SQLException {
        try (Connection c = m.connectAs(Role.READ_ONLY_USER); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM app.users")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(3);
        }
    }

    private static List<String> queryAsApp(String userId, String orgId, String sql) throws SQLException {
        try (Connection c = m.connectAs(Role.APP_USER)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                setLocal(s, userId, orgId);
                List<String> rows = new ArrayList<>();
                try (ResultSet rs = s.executeQuery(sql)) {
                    while (rs.next()) {
                        rows.add(rs.getString(1));
                    }
                }
                c.commit();
                return rows;
            }
        }
    }

    private static int updateAsApp(String userId, String orgId, String sql) throws SQLException {
        try (Connection c = m.connectAs(Role.APP_USER)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                setLocal(s, userId, orgId);
                int n = s.executeUpdate(sql);
                c.commit();
                return n;
            }
        }
    }

    private static void setLocal(Statement s, String userId, String orgId) throws SQLException {
        if (userId != null) {
            s.execute("SELECT set_config('app.user_id', " + literal(userId) + ", true)");
        }
        if (orgId != null) {
            s.execute("SELECT set_config('app.org_id', " + literal(orgId) + ", true)");
        }
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
