package io.cdcpipeline.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * article_analytics against brute-force counts on random data. The daily stats are filled here
 * the way analytics-aggregator fills them (absolute counts per article and day).
 */
class ArticleAnalyticsIT {

    private static MigratedDatabase m;

    @BeforeAll
    static void seed() throws SQLException {
        m = MigratedDatabase.create("analytics");
        m.execute("""
                SELECT setseed(0.42);
                INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o');
                INSERT INTO app.users (id, org_id, email, username, password_hash)
                SELECT g, 1, 'u' || g || '@x.io', 'u' || g, 'h' FROM generate_series(1, 200) g;
                INSERT INTO app.articles (id, org_id, author_id, slug, title, status, published_at)
                SELECT g, 1, 1 + (random() * 199)::int, 'a' || g, 'A' || g,
                       CASE WHEN random() < 0.8 THEN 'published' ELSE 'draft' END, now()
                  FROM generate_series(1, 300) g;
                INSERT INTO app.article_views (article_id, user_id, created_at)
                SELECT 1 + (random() * 299)::int, 1 + (random() * 199)::int, now() - random() * interval '60 days'
                  FROM generate_series(1, 20000);
                INSERT INTO app.comments (org_id, article_id, author_id, body, created_at)
                SELECT 1, 1 + (random() * 299)::int, 1 + (random() * 199)::int, 'c', now() - random() * interval '60 days'
                  FROM generate_series(1, 3000);
                INSERT INTO app.user_favorites (user_id, article_id, created_at)
                SELECT DISTINCT ON (u, a) u, a, now() - random() * interval '60 days'
                  FROM (SELECT 1 + (random() * 199)::int AS u, 1 + (random() * 299)::int AS a FROM generate_series(1, 5000)) r;
                INSERT INTO analytics.article_daily_stats (article_id, day, views, comments, favorites)
                SELECT article_id, day, sum(v), sum(c), sum(f) FROM (
                    SELECT article_id, (created_at AT TIME ZONE 'UTC')::date AS day, 1 AS v, 0 AS c, 0 AS f FROM app.article_views
                    UNION ALL SELECT article_id, (created_at AT TIME ZONE 'UTC')::date, 0, 1, 0 FROM app.comments
                    UNION ALL SELECT article_id, (created_at AT TIME ZONE 'UTC')::date, 0, 0, 1 FROM app.user_favorites) e
                 GROUP BY article_id, day;
                """);
        try (Connection c = m.connectAs(Role.ANALYTICS_USER); Statement s = c.createStatement()) {
            s.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY analytics.article_analytics");
        }
    }

    @Test
    void shouldEqualBruteForceCountsPerPublishedArticle() throws SQLException {
        Map<Long, String> view = counts("SELECT article_id, view_count || '/' || comment_count || '/' || favorite_count"
                + " FROM analytics.article_analytics");
        Map<Long, String> bruteForce = counts("""
                SELECT a.id,
                       (SELECT count(*) FROM app.article_views v WHERE v.article_id = a.id) || '/' ||
                       (SELECT count(*) FROM app.comments c WHERE c.article_id = a.id) || '/' ||
                       (SELECT count(*) FROM app.user_favorites f WHERE f.article_id = a.id)
                  FROM app.articles a WHERE a.status = 'published'
                """);

        assertThat(bruteForce).hasSizeGreaterThan(200);
        assertThat(view).isEqualTo(bruteForce);
    }

    @Test
    void shouldShowThatTheSeedsTripleJoinOverCounts() throws SQLException {
        Map<Long, String> seed = counts("""
                SELECT a.id, COUNT(av.id) || '/' || COUNT(c.id) || '/' || COUNT(uf.user_id)
                  FROM app.articles a
                  LEFT JOIN app.article_views av ON a.id = av.article_id
                  LEFT JOIN app.comments c ON a.id = c.article_id
                  LEFT JOIN app.user_favorites uf ON a.id = uf.article_id
                 WHERE a.status = 'published'
                 GROUP BY a.id, a.title, a.published_at
                """);
        Map<Long, String> view = counts("SELECT article_id, view_count || '/' || comment_count || '/' || favorite_count"
                + " FROM analytics.article_analytics");

        long overCounted = view.keySet().stream().filter(id -> !seed.get(id).equals(view.get(id))).count();
        assertThat(overCounted).as("articles the seed's view gets wrong").isGreaterThan(view.size() / 2);
        long viewsSeed = m.queryLong("SELECT count(av.id) FROM app.articles a JOIN app.article_views av ON a.id = av.article_id"
                + " LEFT JOIN app.comments c ON a.id = c.article_id WHERE a.status = 'published'");
        long viewsTrue = m.queryLong("SELECT sum(view_count) FROM analytics.article_analytics");
        assertThat(viewsSeed).as("views multiplied by comments").isGreaterThan(viewsTrue * 2);
    }

    private static Map<Long, String> counts(String sql) throws SQLException {
        Map<Long, String> result = new HashMap<>();
        try (Connection c = m.superuser(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                result.put(rs.getLong(1), rs.getString(2));
            }
        }
        return result;
    }
}
