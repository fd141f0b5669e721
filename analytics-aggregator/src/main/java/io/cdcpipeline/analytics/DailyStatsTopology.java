package io.cdcpipeline.analytics;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

import io.micrometer.core.instrument.Counter;

/**
 * Views, comments and favorites per (article, day of the row's own {@code created_at}).
 *
 * <p>Each change topic becomes a table of its rows keyed by primary key, and the counts are
 * aggregations of those tables. That gives the properties a counter of events cannot: a deleted
 * comment or favorite leaves its day's count; a row moved to another article or day leaves the old
 * count and joins the new; a duplicated record (capture republishing after a crash) replaces a row
 * with itself and changes nothing; a late record lands in its own day however late it is, since
 * nothing is windowed. The cost is state proportional to the counted rows, kept in RocksDB and
 * restored from changelog topics.
 *
 * <p>A TRUNCATE of a counted table becomes a delete of every row of it ({@link TruncateExpander})
 * before the table step, so its counts drop to zero like those of deleted rows. That step may
 * forward keys other than the record's own, so Kafka Streams routes its output through a
 * repartition topic ({@code <application id>-<name>-rows-repartition}) before the table; keys land
 * on the same partition numbers there as on the change topic.
 *
 * <p>Output: absolute counts per (article, day) on {@code statsTopic}, for the database sink.
 */
final class DailyStatsTopology {

    static final String VIEWS = "views";
    static final String COMMENTS = "comments";
    static final String FAVORITES = "favorites";

    private DailyStatsTopology() {
    }

    static Topology build(String topicPrefix, String statsTopic, Counter eventsAggregated) {
        StreamsBuilder builder = new StreamsBuilder();
        KTable<String, Long> views = countPerDay(builder, topicPrefix + ".app.article_views", VIEWS, eventsAggregated);
        KTable<String, Long> comments = countPerDay(builder, topicPrefix + ".app.comments", COMMENTS, eventsAggregated);
        KTable<String, Long> favorites = countPerDay(builder, topicPrefix + ".app.user_favorites", FAVORITES, eventsAggregated);

        // The three counts of a day side by side; a day missing from one table counts 0 there.
        KTable<String, DailyCounts> viewsAndComments = views.outerJoin(comments,
                (v, c) -> new DailyCounts(orZero(v), orZero(c), 0),
                Materialized.<String, DailyCounts, KeyValueStore<Bytes, byte[]>>as("views-comments")
                        .withKeySerde(Serdes.String()).withValueSerde(DailyCounts.serde()));
        KTable<String, DailyCounts> all = viewsAndComments.outerJoin(favorites,
                (vc, f) -> new DailyCounts(vc == null ? 0 : vc.views(), vc == null ? 0 : vc.comments(), orZero(f)),
                Materialized.<String, DailyCounts, KeyValueStore<Bytes, byte[]>>as("daily-counts")
                        .withKeySerde(Serdes.String()).withValueSerde(DailyCounts.serde()));

        // Every change of a day's counts, as absolute values, for the sink.
        all.toStream().to(statsTopic, Produced.with(Serdes.String(), DailyCounts.serde()));
        return builder.build();
    }

    private static KTable<String, Long> countPerDay(StreamsBuilder builder, String topic, String name, Counter events) {
        return builder.stream(topic, Consumed.with(Serdes.String(), RowChange.serde()).withName(name + "-source"))
                // Count what arrives, for the events-aggregated metric.
                .peek((key, change) -> events.increment())
                // A truncate (no key: the table would drop it) as a tombstone for each row this partition holds.
                .process(TruncateExpander.supplier(name + "-keys"), Named.as(name + "-truncates"))
                // The current version of each source row (a delete or tombstone removes it).
                .toTable(Named.as(name + "-rows"), Materialized.<String, RowChange, KeyValueStore<Bytes, byte[]>>as(name + "-rows")
                        .withKeySerde(Serdes.String()).withValueSerde(RowChange.serde()))
                // Rows grouped by the (article, day) they count for.
                .groupBy((rowKey, change) -> KeyValue.pair(change.dayKey().text(), change),
                        Grouped.with(name + "-by-day", Serdes.String(), RowChange.serde()))
                // How many rows each (article, day) has now.
                .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(name + "-per-day")
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()));
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }
}
