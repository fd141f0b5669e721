package io.cdcpipeline.analytics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import io.cdcpipeline.common.db.PriorityPool;
import io.cdcpipeline.common.kafka.BatchHandler;
import io.micrometer.core.instrument.Counter;

/**
 * Upserts the topology's absolute counts into {@code analytics.article_daily_stats}: a batch keeps
 * the newest counts of each (article, day) and writes them in one statement, so a redelivered
 * record rewrites the same values and never adds twice. The same transaction marks the
 * materialized view stale ({@link RefreshState}).
 *
 * <p><b>Fencing.</b> Each row keeps the stats-topic position (topic, partition, offset) of its
 * counts, and a row is replaced only by counts from a later offset. A former owner of a stats
 * partition whose batch outlived {@code max.poll.interval.ms}, while the new owner wrote newer
 * counts, thus changes nothing when it finally commits. An (article, day) is always on one
 * partition of the stats topic, so its offsets only grow; counts from another topic or partition
 * (a new application id, a repartitioned stats topic) replace the stored ones, and so do any
 * counts for a row without an offset (written before migration 017, by hand, or cleared after the
 * stats topic was created again).
 *
 * <p><b>Articles.</b> The view also reads {@code app.articles} (title, status, published_at), so
 * the same consumer reads that table's change topic: any change of it, a TRUNCATE included, marks
 * the view stale. Records of any topic other than the stats topic are taken as article changes.
 *
 * <p>Called by the consumer loop's writer thread, one batch at a time.
 */
final class DailyStatsSink implements BatchHandler.OneStep {

    /** Sorted by key: concurrent writers of the same rows (old and new owner) lock them in one order, never deadlocking. */
    private static final Comparator<DayKey> KEY_ORDER = Comparator.comparingLong(DayKey::articleId).thenComparing(DayKey::day);

    private static final String UPSERT = """
            INSERT INTO analytics.article_daily_stats
                   (article_id, day, views, comments, favorites, updated_at, stats_topic, stats_partition, stats_offset)
            SELECT article_id, day, views, comments, favorites, now(), ?, stats_partition, stats_offset
              FROM unnest(?::bigint[], ?::date[], ?::bigint[], ?::bigint[], ?::bigint[], ?::integer[], ?::bigint[])
                   AS u (article_id, day, views, comments, favorites, stats_partition, stats_offset)
            ON CONFLICT (article_id, day) DO UPDATE SET views = EXCLUDED.views, comments = EXCLUDED.comments,
                   favorites = EXCLUDED.favorites, updated_at = EXCLUDED.updated_at, stats_topic = EXCLUDED.stats_topic,
                   stats_partition = EXCLUDED.stats_partition, stats_offset = EXCLUDED.stats_offset
             WHERE article_daily_stats.stats_offset < EXCLUDED.stats_offset OR article_daily_stats.stats_offset IS NULL
                OR (article_daily_stats.stats_topic, article_daily_stats.stats_partition)
                   IS DISTINCT FROM (EXCLUDED.stats_topic, EXCLUDED.stats_partition)
            """;

    /** The counts of one (article, day) and where on the stats topic they were read. */
    private record Positioned(DailyCounts counts, int partition, long offset) {
    }

    private final PriorityPool pool;
    private final String statsTopic;
    private final Counter rowsUpserted;
    private final Counter rowsSkipped;

    DailyStatsSink(PriorityPool pool, String statsTopic, Counter rowsUpserted, Counter rowsSkipped) {
        this.pool = pool;
        this.statsTopic = statsTopic;
        this.rowsUpserted = rowsUpserted;
        this.rowsSkipped = rowsSkipped;
    }

    @Override
    public void handle(List<ConsumerRecord<String, String>> batch) throws Exception {
        Map<DayKey, Positioned> newest = new TreeMap<>(KEY_ORDER);
        boolean articlesChanged = false;
        for (ConsumerRecord<String, String> record : batch) {
            if (!record.topic().equals(statsTopic)) {
                // A delete's tombstone follows its delete event, which already counted.
                articlesChanged |= record.value() != null;
            } else if (record.value() != null) {
                newest.merge(DayKey.parse(record.key()),
                        new Positioned(DailyCounts.parse(record.value()), record.partition(), record.offset()),
                        (held, next) -> next.offset() >= held.offset() ? next : held);
            }
        }
        if (newest.isEmpty() && !articlesChanged) {
            return;
        }
        boolean markStale = articlesChanged;
        long written = pool.inTransaction(tx -> {
            long rows = newest.isEmpty() ? 0 : upsert(tx, newest);
            if (rows > 0 || markStale) {
                RefreshState.markStale(tx);
            }
            return rows;
        });
        rowsUpserted.increment(written);
        rowsSkipped.increment(newest.size() - written);
    }

    /** Rows inserted or replaced; a row holding counts of this or a later offset is left alone. */
    private long upsert(Connection tx, Map<DayKey, Positioned> newest) throws SQLException {
        int n = newest.size();
        Long[] articles = new Long[n];
        String[] days = new String[n];
        Long[] views = new Long[n];
        Long[] comments = new Long[n];
        Long[] favorites = new Long[n];
        Integer[] partitions = new Integer[n];
        Long[] offsets = new Long[n];
        int i = 0;
        for (Map.Entry<DayKey, Positioned> e : newest.entrySet()) {
            DailyCounts counts = e.getValue().counts();
            articles[i] = e.getKey().articleId();
            days[i] = e.getKey().day().toString();
            views[i] = counts.views();
            comments[i] = counts.comments();
            favorites[i] = counts.favorites();
            partitions[i] = e.getValue().partition();
            offsets[i] = e.getValue().offset();
            i++;
        }
        try (PreparedStatement upsert = tx.prepareStatement(UPSERT)) {
            upsert.setString(1, statsTopic);
            upsert.setArray(2, tx.createArrayOf("bigint", articles));
            upsert.setArray(3, tx.createArrayOf("text", days));
            upsert.setArray(4, tx.createArrayOf("bigint", views));
            upsert.setArray(5, tx.createArrayOf("bigint", comments));
            upsert.setArray(6, tx.createArrayOf("bigint", favorites));
            upsert.setArray(7, tx.createArrayOf("integer", partitions));
            upsert.setArray(8, tx.createArrayOf("bigint", offsets));
            return upsert.executeUpdate();
        }
    }
}
