package io.cdcpipeline.analytics;

import java.util.function.ToIntFunction;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Repartitioned;
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
 * <p>A TRUNCATE of a counted table becomes a delete of every row of it ({@link RowVersions})
 * before the table step, so its counts drop to zero like those of deleted rows; the same step
 * leaves out a change older than the version of its row already applied. That step may
 * forward keys other than the record's own, so Kafka Streams routes its output through a
 * repartition topic ({@code <application id>-<name>-rows-repartition}) before the table; keys land
 * on the same partition numbers there as on the change topic.
 *
 * <p>Replayed dead letters ({@code replayTopic}, one partition) are merged into the change stream of
 * the table they were first published for, after a repartition topic
 * ({@code <application id>-<name>-replayed-repartition}) with that change topic's partition count
 * that puts each on its key's partition ({@link ReplayedFrom}).
 *
 * <p>Output: absolute counts per (article, day) on {@code statsTopic}, for the database sink.
 */
final class DailyStatsTopology {

    static final String VIEWS = "views";
    static final String COMMENTS = "comments";
    static final String FAVORITES = "favorites";

    private DailyStatsTopology() {
    }

    /** Where the topology reads and writes, and what it counts. */
    record Inputs(String topicPrefix, String statsTopic, String replayTopic, ToIntFunction<String> partitionsOf,
                  Counter eventsAggregated, Counter staleChanges) {
    }

    static Topology build(Inputs in) {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, SourceChange> replayed = builder.stream(in.replayTopic(),
                Consumed.with(Serdes.String(), SourceChange.serde()).withName("replayed-source"));
        KTable<String, Long> views = countPerDay(builder, replayed, in, in.topicPrefix() + ".app.article_views", VIEWS);
        KTable<String, Long> comments = countPerDay(builder, replayed, in, in.topicPrefix() + ".app.comments", COMMENTS);
        KTable<String, Long> favorites = countPerDay(builder, replayed, in, in.topicPrefix() + ".app.user_favorites", FAVORITES);

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
        all.toStream().to(in.statsTopic(), Produced.with(Serdes.String(), DailyCounts.serde()));
        return builder.build();
    }

    private static KTable<String, Long> countPerDay(StreamsBuilder builder, KStream<String, SourceChange> replayed, Inputs in,
                                                    String topic, String name) {
        KStream<String, SourceChange> replayedHere = replayed
                .processValues(() -> new ReplayedFrom(topic), Named.as(name + "-replayed-from"))
                .repartition(Repartitioned.<String, SourceChange>as(name + "-replayed").withKeySerde(Serdes.String())
                        .withValueSerde(SourceChange.serde()).withNumberOfPartitions(in.partitionsOf().applyAsInt(topic))
                        .withStreamPartitioner(new ReplayedFrom.SamePartition()));
        return builder.stream(topic, Consumed.with(Serdes.String(), SourceChange.serde()).withName(name + "-source"))
                .merge(replayedHere, Named.as(name + "-with-replayed"))
                // Count what arrives, for the events-aggregated metric.
                .peek((key, change) -> in.eventsAggregated().increment())
                // A truncate (no key: the table would drop it) as a tombstone for each row this partition holds;
                // a change older than its row's applied version (a replayed dead letter) left out.
                .process(RowVersions.supplier(name + "-keys", in.staleChanges()), Named.as(name + "-truncates"))
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
