package io.cdcpipeline.analytics;

import java.sql.Date;
import java.sql.PreparedStatement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import io.cdcpipeline.common.db.PriorityPool;
import io.cdcpipeline.common.kafka.BatchHandler;
import io.micrometer.core.instrument.Counter;

/**
 * Upserts the topology's absolute counts into {@code analytics.article_daily_stats}: a batch keeps
 * the newest counts of each (article, day) and writes them in one statement, so a redelivered
 * record rewrites the same values and never adds twice. The same transaction marks the
 * materialized view stale ({@code analytics.refresh_state}).
 */
final class DailyStatsSink implements BatchHandler.OneStep {

    static final String VIEW = "analytics.article_analytics";

    private final PriorityPool pool;
    private final Counter rowsUpserted;

    DailyStatsSink(PriorityPool pool, Counter rowsUpserted) {
        this.pool = pool;
        this.rowsUpserted = rowsUpserted;
    }

    @Override
    public void handle(List<ConsumerRecord<String, String>> batch) throws Exception {
        Map<DayKey, DailyCounts> newest = new LinkedHashMap<>();
        for (ConsumerRecord<String, String> record : batch) {
            if (record.value() != null) {
                newest.put(DayKey.parse(record.key()), DailyCounts.parse(record.value()));
            }
        }
        if (newest.isEmpty()) {
            return;
        }
        pool.inTransaction(tx -> {
            try (PreparedStatement upsert = tx.prepareStatement("INSERT INTO analytics.article_daily_stats"
                    + " (article_id, day, views, comments, favorites, updated_at) VALUES (?, ?, ?, ?, ?, now())"
                    + " ON CONFLICT (article_id, day) DO UPDATE SET views = EXCLUDED.views, comments = EXCLUDED.comments,"
                    + " favorites = EXCLUDED.favorites, updated_at = EXCLUDED.updated_at")) {
                for (Map.Entry<DayKey, DailyCounts> e : newest.entrySet()) {
                    upsert.setLong(1, e.getKey().articleId());
                    upsert.setDate(2, Date.valueOf(e.getKey().day()));
                    upsert.setLong(3, e.getValue().views());
                    upsert.setLong(4, e.getValue().comments());
                    upsert.setLong(5, e.getValue().favorites());
                    upsert.addBatch();
                }
                upsert.executeBatch();
            }
            try (PreparedStatement stale = tx.prepareStatement("UPDATE analytics.refresh_state SET dirty_since ="
                    + " coalesce(dirty_since, now()), last_change_at = now() WHERE view_name = ?")) {
                stale.setString(1, VIEW);
                stale.executeUpdate();
            }
            return null;
        });
        rowsUpserted.increment(newest.size());
    }
}
