package io.cdcpipeline.testkit.oracle;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code analytics.article_daily_stats} against the same counts computed by SQL from the raw
 * tables: views, comments and favorites per (article, UTC day of the row's {@code created_at}).
 * A day the raw tables no longer have counts zero (a stats row of zeros is the same as none).
 */
public final class AnalyticsComparison {

    private static final String DIFFERENCES = """
            WITH truth AS (
                SELECT article_id, (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS views, 0::bigint AS comments,
                       0::bigint AS favorites FROM app.article_views GROUP BY 1, 2
                UNION ALL SELECT article_id, (created_at AT TIME ZONE 'UTC')::date, 0, count(*), 0 FROM app.comments GROUP BY 1, 2
                UNION ALL SELECT article_id, (created_at AT TIME ZONE 'UTC')::date, 0, 0, count(*) FROM app.user_favorites GROUP BY 1, 2),
            expected AS (
                SELECT article_id, day, sum(views) AS views, sum(comments) AS comments, sum(favorites) AS favorites
                  FROM truth GROUP BY 1, 2)
            SELECT coalesce(e.article_id, s.article_id), coalesce(e.day, s.day),
                   coalesce(e.views, 0), coalesce(e.comments, 0), coalesce(e.favorites, 0),
                   coalesce(s.views, 0), coalesce(s.comments, 0), coalesce(s.favorites, 0)
              FROM expected e FULL JOIN analytics.article_daily_stats s ON s.article_id = e.article_id AND s.day = e.day
             WHERE (coalesce(e.views, 0), coalesce(e.comments, 0), coalesce(e.favorites, 0))
                   IS DISTINCT FROM (coalesce(s.views, 0), coalesce(s.comments, 0), coalesce(s.favorites, 0))
             ORDER BY 1, 2
            """;

    private AnalyticsComparison() {
    }

    /** One line per (article, day) whose counts differ; empty when analytics is exact. */
    public static List<String> differences(Connection c) throws SQLException {
        List<String> differences = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(DIFFERENCES)) {
            while (rs.next()) {
                differences.add(String.format("article %d on %s: raw tables views/comments/favorites %d/%d/%d,"
                                + " article_daily_stats %d/%d/%d", rs.getLong(1), rs.getDate(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8)));
            }
        }
        return differences;
    }
}
