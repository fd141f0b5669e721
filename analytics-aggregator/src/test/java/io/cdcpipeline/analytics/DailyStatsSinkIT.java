package io.cdcpipeline.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.capture.CaptureFixture;
import io.cdcpipeline.common.db.Database;
import io.cdcpipeline.common.db.Priority;
import io.cdcpipeline.schema.Role;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The sink against a migrated database, logged in as analytics_user, fed batches as the consumer
 * loop would hand them over (records built here: the loop is tested on its own).
 */
class DailyStatsSinkIT {

    private static final String STATS = "analytics-test.daily-stats";
    private static final String ARTICLES = "blog.app.articles";

    private CaptureFixture f;
    private Database db;
    private SimpleMeterRegistry registry;
    private DailyStatsSink sink;

    @BeforeEach
    void start() throws Exception {
        f = CaptureFixture.create("analytics-sink");
        registry = new SimpleMeterRegistry();
        AnalyticsConfig config = AnalyticsConfig.from(f.serviceEnv(Role.ANALYTICS_USER));
        db = Database.open(config.database(), registry, EnumSet.of(Priority.STANDARD));
        sink = new DailyStatsSink(db.standard(), STATS, registry.counter("upserted"), registry.counter("skipped"));
    }

    @AfterEach
    void stop() {
        db.close();
    }

    private static ConsumerRecord<String, String> stats(int partition, long offset, String key, long views, long comments,
                                                         long favorites) {
        return new ConsumerRecord<>(STATS, partition, offset, key,
                "{\"views\":" + views + ",\"comments\":" + comments + ",\"favorites\":" + favorites + "}");
    }

    @Test
    void shouldKeepNewerCountsWhenAFormerOwnerWritesALateBatch() throws Exception {
        // The new owner of partition 1 wrote counts up to offset 120 ...
        sink.handle(List.of(stats(1, 100, "7|2026-03-01", 1, 0, 0), stats(1, 120, "7|2026-03-01", 5, 2, 1)));
        // ... then the former owner's batch, read before the rebalance, commits: older counts, and a key not written yet.
        sink.handle(List.of(stats(1, 90, "7|2026-03-01", 3, 1, 0), stats(1, 95, "8|2026-03-01", 4, 0, 0)));

        assertThat(rows()).as("the late batch cannot take the newer counts back; a row it alone has is written")
                .containsEntry("7|2026-03-01", "5/2/1@1:120").containsEntry("8|2026-03-01", "4/0/0@1:95");
        assertThat(registry.counter("skipped").count()).isEqualTo(1);

        sink.handle(List.of(stats(1, 121, "7|2026-03-01", 6, 2, 1)));
        assertThat(rows()).as("newer counts still replace them").containsEntry("7|2026-03-01", "6/2/1@1:121");
    }

    @Test
    void shouldLeaveARowAloneWhenItsBatchIsRedelivered() throws Exception {
        List<ConsumerRecord<String, String>> batch = List.of(stats(0, 10, "3|2026-03-02", 2, 0, 0));
        sink.handle(batch);
        sink.handle(batch);

        assertThat(rows()).containsEntry("3|2026-03-02", "2/0/0@0:10");
        assertThat(registry.counter("upserted").count()).isEqualTo(1);
        assertThat(registry.counter("skipped").count()).as("the same position again").isEqualTo(1);
    }

    @Test
    void shouldReplaceRowsWithoutAPositionOrFromAnotherStatsTopic() throws Exception {
        f.db.execute("INSERT INTO analytics.article_daily_stats (article_id, day, views) VALUES (4, '2026-03-03', 9);"
                + " INSERT INTO analytics.article_daily_stats (article_id, day, views, stats_topic, stats_partition, stats_offset)"
                + " VALUES (5, '2026-03-03', 9, 'old-application.daily-stats', 0, 100000),"
                + " (6, '2026-03-03', 9, '" + STATS + "', 0, NULL)");

        sink.handle(List.of(stats(0, 1, "4|2026-03-03", 1, 0, 0), stats(0, 2, "5|2026-03-03", 1, 0, 0),
                stats(0, 3, "6|2026-03-03", 1, 0, 0)));

        assertThat(rows()).as("written by hand, by an aggregator with another application id, or with the offset cleared")
                .containsEntry("4|2026-03-03", "1/0/0@0:1").containsEntry("5|2026-03-03", "1/0/0@0:2")
                .containsEntry("6|2026-03-03", "1/0/0@0:3");
    }

    @Test
    void shouldMarkTheViewStaleWhenAnArticleChangesWithoutStats() throws Exception {
        f.db.execute("UPDATE analytics.refresh_state SET dirty_since = NULL");
        sink.handle(List.of(new ConsumerRecord<>(ARTICLES, 0, 0, "{\"id\":1}", "{\"op\":\"u\"}")));

        assertThat(count("SELECT count(*) FROM analytics.refresh_state WHERE view_name = 'analytics.article_analytics'"
                + " AND dirty_since IS NOT NULL")).as("the view shows article titles and status").isOne();
        assertThat(rows()).isEmpty();
    }

    /** (article|day) → "views/comments/favorites@partition:offset". */
    private Map<String, String> rows() throws SQLException {
        Map<String, String> rows = new HashMap<>();
        try (Connection c = f.db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT article_id || '|' || day, views || '/' || comments || '/' || favorites"
                     + " || '@' || coalesce(stats_partition::text, '-') || ':' || coalesce(stats_offset::text, '-')"
                     + " FROM analytics.article_daily_stats")) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getString(2));
            }
        }
        return rows;
    }

    private long count(String sql) throws SQLException {
        try (Connection c = f.db.superuserConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
