package io.cdcpipeline.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The seed's indexes, used by the planner for the queries they exist for, on a table big enough to matter. */
class SearchAndIndexesIT {

    private static MigratedDatabase m;

    @BeforeAll
    static void seed() throws SQLException {
        m = MigratedDatabase.create("search");
        m.execute("""
                INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o');
                INSERT INTO app.users (id, org_id, email, username, password_hash, is_active)
                SELECT g, 1, 'user' || g || '@example.com', 'user' || g, 'h', g % 10 <> 0 FROM generate_series(1, 20000) g;
                INSERT INTO app.articles (org_id, author_id, slug, title, summary, content, status, published_at)
                SELECT 1, 1 + g % 2000, 'a-' || g, 'Article number ' || g, 'summary ' || g,
                       'plain body text about gardening and weather number ' || g,
                       CASE WHEN g % 3 = 0 THEN 'draft' ELSE 'published' END, now()
                  FROM generate_series(1, 20000) g;
                INSERT INTO app.articles (org_id, author_id, slug, title, summary, content, status)
                VALUES (1, 1, 'title-hit', 'Postgres replication explained', 'a summary', 'nothing special', 'published'),
                       (1, 1, 'content-hit', 'Something else', 'a summary', 'this text mentions replication once', 'published');
                """);
        // Fresh statistics and a visibility map, as autovacuum would provide on a live table.
        try (Connection c = m.superuser(); Statement s = c.createStatement()) {
            s.execute("VACUUM ANALYZE app.users");
            s.execute("VACUUM ANALYZE app.articles");
        }
    }

    @Test
    void shouldRankATitleMatchAboveAContentOnlyMatch() throws SQLException {
        List<String> slugs = new ArrayList<>();
        try (Connection c = m.superuser(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT slug FROM app.articles, websearch_to_tsquery('english', 'replication') q"
                     + " WHERE searchable @@ q ORDER BY ts_rank(searchable, q) DESC")) {
            while (rs.next()) {
                slugs.add(rs.getString(1));
            }
        }
        assertThat(slugs).containsExactly("title-hit", "content-hit");
    }

    @Test
    void shouldKeepSearchableCurrentAfterAnUpdate() throws SQLException {
        m.execute("UPDATE app.articles SET content = 'now about kubernetes' WHERE slug = 'content-hit'");
        assertThat(m.queryLong("SELECT count(*) FROM app.articles WHERE searchable @@ to_tsquery('english', 'kubernetes')"))
                .as("the generated column follows the row").isOne();
        m.execute("UPDATE app.articles SET content = 'this text mentions replication once' WHERE slug = 'content-hit'");
    }

    @Test
    void shouldUseTheGinIndexForFullTextSearch() throws SQLException {
        assertThat(plan("SELECT id FROM app.articles WHERE searchable @@ to_tsquery('english', 'replication')"))
                .contains("idx_articles_searchable");
    }

    /**
     * Changeset 022: a writer's entries go straight into the GIN tree. With the pending list (the
     * default) they would wait there, and the writer that overflows it pays for merging all of them.
     * Counted by pgstattuple, which reads the index's pages and shares nothing with the changelog.
     */
    @Test
    void shouldWriteSearchEntriesStraightIntoTheIndex() throws SQLException {
        m.execute("""
                INSERT INTO app.articles (org_id, author_id, slug, title, summary, content, status)
                SELECT 1, 1, 'pending-' || g, 'Pending list probe ' || g, 's', 'body ' || g, 'draft' FROM generate_series(1, 200) g;
                UPDATE app.articles SET title = title || ' revised' WHERE slug LIKE 'pending-%';
                """);
        try (Connection c = m.superuser(); Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple");
            try (ResultSet rs = s.executeQuery("SELECT pending_pages, pending_tuples FROM pgstatginindex('app.idx_articles_searchable')")) {
                rs.next();
                assertThat(rs.getLong("pending_tuples")).as("entries waiting in the GIN pending list").isZero();
                assertThat(rs.getLong("pending_pages")).as("GIN pending list pages").isZero();
            }
        }
    }

    @Test
    void shouldUseThePartialIndexForActiveUsersByEmail() throws SQLException {
        assertThat(plan("SELECT id FROM app.users WHERE email = 'user77@example.com' AND is_active")).contains("idx_users_active");
    }

    @Test
    void shouldAnswerAnAuthorsArticlesFromTheCoveringIndexAlone() throws SQLException {
        assertThat(plan("SELECT id, title, published_at FROM app.articles WHERE author_id = 42 AND status = 'published'"))
                .contains("Index Only Scan").contains("idx_articles_author_status_covering");
    }

    private static String plan(String query) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (Connection c = m.superuser(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("EXPLAIN " + query)) {
            while (rs.next()) {
                plan.append(rs.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }
}
