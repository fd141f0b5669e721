package io.cdcpipeline.analytics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import io.cdcpipeline.capture.CaptureFixture;
import io.cdcpipeline.common.service.ServiceThread;
import io.cdcpipeline.schema.Role;

/** Capture plus analytics-aggregator instances on one test database, and brute-force answers to compare with. */
final class AnalyticsFixture implements AutoCloseable {

    final CaptureFixture capture;
    CaptureFixture.InProcess captureRunner;
    final String applicationId = "analytics-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<ServiceThread> instances = new ArrayList<>();

    private AnalyticsFixture(CaptureFixture capture, CaptureFixture.InProcess captureRunner) {
        this.capture = capture;
        this.captureRunner = captureRunner;
    }

    static AnalyticsFixture start(String hint) throws Exception {
        return start(hint, Map.of());
    }

    /** With capture settings of the test's own (e.g. CAPTURE_JSON_SCHEMAS=true). */
    static AnalyticsFixture start(String hint, Map<String, String> captureSettings) throws Exception {
        CaptureFixture f = CaptureFixture.create(hint);
        f.env.putAll(captureSettings);
        CaptureFixture.InProcess runner = f.startInProcess();
        runner.awaitStreaming();
        return new AnalyticsFixture(f, runner);
    }

    /** Capture not started yet: the test starts analytics first ({@link #startCapture}). */
    static AnalyticsFixture withoutCapture(String hint) throws Exception {
        return new AnalyticsFixture(CaptureFixture.create(hint), null);
    }

    void startCapture() {
        captureRunner = capture.startInProcess();
        captureRunner.awaitStreaming();
    }

    Map<String, String> env() throws Exception {
        Map<String, String> env = new HashMap<>(capture.serviceEnv(Role.ANALYTICS_USER));
        env.put("KAFKA_TOPIC_PREFIX", capture.prefix);
        env.put("ANALYTICS_APPLICATION_ID", applicationId);
        env.put("ANALYTICS_STATE_DIR", Files.createTempDirectory("analytics-state").toString());
        env.put("ANALYTICS_REFRESH_INTERVAL", "1000");
        env.put("ANALYTICS_COMMIT_INTERVAL", "200");
        env.put("KAFKA_REPLICATION_FACTOR", "1");
        env.put("DB_MIN_CONNECTIONS", "1");
        return env;
    }

    /** An analytics-aggregator in this JVM, wired by the production factory; closed with the fixture. */
    ServiceThread startInstance() throws Exception {
        return startInstance(Map.of());
    }

    /** The same, with settings of the test's own. */
    ServiceThread startInstance(Map<String, String> overrides) throws Exception {
        Map<String, String> env = env();
        env.putAll(overrides);
        ServiceThread instance = new ServiceThread("analytics-aggregator", AnalyticsService.create(env));
        instances.add(instance);
        return instance;
    }

    /** Random articles, and views, comments and favorites over ten days, some comments and favorites deleted again. */
    void randomWorkload(int seedOffset, int views, int comments, int favorites) throws SQLException {
        capture.sql("SELECT setseed(0." + (40 + seedOffset) + ")",
                "INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o') ON CONFLICT DO NOTHING",
                "INSERT INTO app.users (id, org_id, email, username, password_hash) SELECT g, 1, 'u' || g || '@x.io', 'u' || g, 'h'"
                        + " FROM generate_series(1, 30) g ON CONFLICT DO NOTHING",
                "INSERT INTO app.articles (id, org_id, author_id, slug, title, status, published_at) SELECT g, 1, 1 + g % 30,"
                        + " 'a' || g, 'A' || g, CASE WHEN g % 4 = 0 THEN 'draft' ELSE 'published' END, now()"
                        + " FROM generate_series(1, 40) g ON CONFLICT DO NOTHING");
        for (int batch = 0; batch < 5; batch++) {
            capture.sql("SELECT setseed(0." + (50 + seedOffset * 10 + batch) + ")",
                    "INSERT INTO app.article_views (article_id, user_id, created_at) SELECT 1 + (random() * 39)::int,"
                            + " 1 + (random() * 29)::int, date_trunc('day', now()) - (random() * 10)::int * interval '1 day'"
                            + " + random() * interval '23 hours' FROM generate_series(1, " + views / 5 + ")",
                    "INSERT INTO app.comments (org_id, article_id, author_id, body, created_at) SELECT 1, 1 + (random() * 39)::int,"
                            + " 1 + (random() * 29)::int, 'c', now() - random() * interval '10 days' FROM generate_series(1, "
                            + comments / 5 + ")",
                    "INSERT INTO app.user_favorites (user_id, article_id, created_at) SELECT DISTINCT ON (u, a) u, a, t FROM"
                            + " (SELECT 1 + (random() * 29)::int u, 1 + (random() * 39)::int a, now() - random() * interval '10 days' t"
                            + " FROM generate_series(1, " + favorites / 5 + ")) r ON CONFLICT DO NOTHING");
            capture.sql("DELETE FROM app.comments WHERE id IN (SELECT id FROM app.comments ORDER BY random() LIMIT "
                    + comments / 25 + ")", "DELETE FROM app.user_favorites WHERE (user_id, article_id) IN (SELECT user_id,"
                    + " article_id FROM app.user_favorites ORDER BY random() LIMIT " + favorites / 25 + ")");
        }
    }

    /** (article|day) → "views/comments/favorites" by GROUP BY over the source tables. */
    Map<String, String> bruteForceDaily() throws SQLException {
        return map("""
                SELECT article_id || '|' || day, sum(v) || '/' || sum(c) || '/' || sum(f) FROM (
                    SELECT article_id, (created_at AT TIME ZONE 'UTC')::date AS day, 1 AS v, 0 AS c, 0 AS f FROM app.article_views
                    UNION ALL SELECT article_id, (created_at AT TIME ZONE 'UTC')::date, 0, 1, 0 FROM app.comments
                    UNION ALL SELECT article_id, (created_at AT TIME ZONE 'UTC')::date, 0, 0, 1 FROM app.user_favorites) e
                 GROUP BY article_id, day
                """);
    }

    Map<String, String> dailyStats() throws SQLException {
        return map("SELECT article_id || '|' || day, views || '/' || comments || '/' || favorites FROM analytics.article_daily_stats"
                + " WHERE views + comments + favorites > 0");
    }

    Map<String, String> bruteForcePerArticle() throws SQLException {
        return map("""
                SELECT a.id::text, (SELECT count(*) FROM app.article_views v WHERE v.article_id = a.id) || '/' ||
                       (SELECT count(*) FROM app.comments c WHERE c.article_id = a.id) || '/' ||
                       (SELECT count(*) FROM app.user_favorites f WHERE f.article_id = a.id)
                  FROM app.articles a WHERE a.status = 'published'
                """);
    }

    Map<String, String> materializedView() throws SQLException {
        return map("SELECT article_id::text, view_count || '/' || comment_count || '/' || favorite_count FROM analytics.article_analytics");
    }

    /** article id → title, as the materialized view shows them. */
    Map<String, String> viewTitles() throws SQLException {
        return map("SELECT article_id::text, title FROM analytics.article_analytics");
    }

    long count(String sql) throws SQLException {
        try (Connection c = capture.db.superuserConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Map<String, String> map(String sql) throws SQLException {
        Map<String, String> result = new TreeMap<>();
        try (Connection c = capture.db.superuserConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                result.put(rs.getString(1), rs.getString(2));
            }
        }
        return result;
    }

    @Override
    public void close() throws Exception {
        for (ServiceThread instance : instances) {
            instance.close();
        }
        if (captureRunner != null) {
            captureRunner.close();
        }
    }

    static Path tempDir() throws java.io.IOException {
        return Files.createTempDirectory("analytics-test");
    }
}
