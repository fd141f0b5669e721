package io.cdcpipeline.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The production topology, fed Debezium envelopes with explicit timestamps. */
class DailyStatsTopologyTest {

    private static final String STATS = "stats";
    private TopologyTestDriver driver;
    private TestInputTopic<String, String> views;
    private TestInputTopic<String, String> comments;
    private TestInputTopic<String, String> favorites;
    private TestOutputTopic<String, String> stats;
    private TestInputTopic<String, String> replayed;
    private Counter events;
    private Counter stale;
    /** Each envelope's source.lsn: later changes have higher ones, as in the WAL. */
    private long lsn = 100;

    @BeforeEach
    void start() {
        events = Counter.builder("events").register(new SimpleMeterRegistry());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(DeadLetterHandler.TOPIC, "dlq");
        stale = Counter.builder("stale").register(new SimpleMeterRegistry());
        driver = new TopologyTestDriver(DailyStatsTopology.build(new DailyStatsTopology.Inputs("blog", STATS, "dlq.replay",
                topic -> 3, events, stale)), props);
        replayed = driver.createInputTopic("dlq.replay", new StringSerializer(), new StringSerializer());
        views = driver.createInputTopic("blog.app.article_views", new StringSerializer(), new StringSerializer());
        comments = driver.createInputTopic("blog.app.comments", new StringSerializer(), new StringSerializer());
        favorites = driver.createInputTopic("blog.app.user_favorites", new StringSerializer(), new StringSerializer());
        stats = driver.createOutputTopic(STATS, new StringDeserializer(), new StringDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private String envelope(String op, long articleId, String createdAt) {
        return envelope(op, articleId, createdAt, ++lsn);
    }

    private static String envelope(String op, long articleId, String createdAt, long lsn) {
        String row = "{\"id\":1,\"article_id\":" + articleId + ",\"created_at\":\"" + createdAt + "\"}";
        String before = op.equals("c") || op.equals("r") ? "null" : row;
        String after = op.equals("d") ? "null" : row;
        return "{\"before\":" + before + ",\"after\":" + after + ",\"source\":{\"schema\":\"app\",\"table\":\"counted\","
                + "\"lsn\":" + lsn + ",\"txId\":1,\"ts_ms\":1},\"op\":\"" + op + "\",\"ts_ms\":1}";
    }

    /** What capture publishes for a TRUNCATE: no row images; sent with a null key to every partition. */
    private String truncate(String table) {
        return "{\"before\":null,\"after\":null,\"source\":{\"schema\":\"app\",\"table\":\"" + table
                + "\",\"lsn\":" + (++lsn) + ",\"txId\":7,\"ts_ms\":1},\"op\":\"t\",\"ts_ms\":1}";
    }

    /** A dead letter sent back by replay-dead-letters: the record as first published, with its first position. */
    private void replay(String topic, String key, String value, Instant t) {
        org.apache.kafka.common.header.internals.RecordHeaders headers = new org.apache.kafka.common.header.internals.RecordHeaders();
        headers.add("__connect.errors.topic", topic.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        headers.add("__connect.errors.partition", "0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        headers.add("__connect.errors.offset", "7".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        replayed.pipeInput(new org.apache.kafka.streams.test.TestRecord<>(key, value, headers, t));
    }

    private Map<String, String> latest() {
        return stats.readKeyValuesToMap();
    }

    @Test
    void shouldCountPerArticleAndDayAcrossDayBoundaries() {
        Instant t = Instant.parse("2026-03-01T23:59:00Z");
        views.pipeInput("{\"id\":1}", envelope("c", 7, "2026-03-01T23:59:59.999999Z"), t);
        views.pipeInput("{\"id\":2}", envelope("c", 7, "2026-03-02T00:00:00.000000Z"), t.plusSeconds(60));
        views.pipeInput("{\"id\":3}", envelope("c", 7, "2026-03-02T12:00:00Z"), t.plusSeconds(120));
        views.pipeInput("{\"id\":4}", envelope("c", 8, "2026-03-02T12:00:00Z"), t.plusSeconds(180));
        comments.pipeInput("{\"id\":1}", envelope("c", 7, "2026-03-02T08:00:00Z"), t.plusSeconds(200));

        Map<String, String> out = latest();
        assertThat(out).containsEntry("7|2026-03-01", "{\"views\":1,\"comments\":0,\"favorites\":0}")
                .containsEntry("7|2026-03-02", "{\"views\":2,\"comments\":1,\"favorites\":0}")
                .containsEntry("8|2026-03-02", "{\"views\":1,\"comments\":0,\"favorites\":0}");
        assertThat(events.count()).isEqualTo(5);
    }

    @Test
    void shouldDecrementWhenCommentsAndFavoritesAreDeleted() {
        Instant t = Instant.parse("2026-03-05T10:00:00Z");
        comments.pipeInput("{\"id\":1}", envelope("c", 7, "2026-03-05T10:00:00Z"), t);
        comments.pipeInput("{\"id\":2}", envelope("c", 7, "2026-03-05T11:00:00Z"), t);
        favorites.pipeInput("{\"user_id\":1,\"article_id\":7}", envelope("c", 7, "2026-03-05T10:00:00Z"), t);
        assertThat(latest()).containsEntry("7|2026-03-05", "{\"views\":0,\"comments\":2,\"favorites\":1}");

        comments.pipeInput("{\"id\":1}", envelope("d", 7, "2026-03-05T10:00:00Z"), t.plusSeconds(1));
        comments.pipeInput("{\"id\":1}", (String) null, t.plusSeconds(1));
        favorites.pipeInput("{\"user_id\":1,\"article_id\":7}", envelope("d", 7, "2026-03-05T10:00:00Z"), t.plusSeconds(2));

        assertThat(latest()).containsEntry("7|2026-03-05", "{\"views\":0,\"comments\":1,\"favorites\":0}");
    }

    @Test
    void shouldNotChangeTheCountsWhenARecordIsDuplicated() {
        Instant t = Instant.parse("2026-03-06T10:00:00Z");
        String view = envelope("c", 9, "2026-03-06T10:00:00Z");
        views.pipeInput("{\"id\":1}", view, t);
        views.pipeInput("{\"id\":2}", envelope("c", 9, "2026-03-06T11:00:00Z"), t);
        assertThat(latest()).containsEntry("9|2026-03-06", "{\"views\":2,\"comments\":0,\"favorites\":0}");

        // capture republishing after a crash: the same record again
        views.pipeInput("{\"id\":1}", view, t.plusSeconds(5));

        assertThat(latest()).containsEntry("9|2026-03-06", "{\"views\":2,\"comments\":0,\"favorites\":0}");
    }

    @Test
    void shouldCountALateEventIntoItsOwnDay() {
        views.pipeInput("{\"id\":1}", envelope("c", 3, "2026-03-10T10:00:00Z"), Instant.parse("2026-03-10T10:00:00Z"));
        // Stream time is on the 10th; a view of the 2nd arrives now (late, e.g. after an outage).
        views.pipeInput("{\"id\":2}", envelope("c", 3, "2026-03-02T09:00:00Z"), Instant.parse("2026-03-10T10:05:00Z"));

        assertThat(latest()).containsEntry("3|2026-03-02", "{\"views\":1,\"comments\":0,\"favorites\":0}")
                .containsEntry("3|2026-03-10", "{\"views\":1,\"comments\":0,\"favorites\":0}");
    }

    @Test
    void shouldMoveACommentThatChangesDay() {
        Instant t = Instant.parse("2026-03-07T10:00:00Z");
        comments.pipeInput("{\"id\":1}", envelope("c", 4, "2026-03-07T10:00:00Z"), t);
        comments.pipeInput("{\"id\":1}", envelope("u", 4, "2026-03-08T10:00:00Z"), t.plusSeconds(1));

        assertThat(latest()).containsEntry("4|2026-03-07", "{\"views\":0,\"comments\":0,\"favorites\":0}")
                .containsEntry("4|2026-03-08", "{\"views\":0,\"comments\":1,\"favorites\":0}");
    }

    @Test
    void shouldZeroTheCountsOfATruncatedTableOnly() {
        Instant t = Instant.parse("2026-03-11T10:00:00Z");
        views.pipeInput("{\"id\":1}", envelope("c", 6, "2026-03-11T10:00:00Z"), t);
        comments.pipeInput("{\"id\":1}", envelope("c", 6, "2026-03-11T10:00:00Z"), t);
        comments.pipeInput("{\"id\":2}", envelope("c", 6, "2026-03-12T10:00:00Z"), t);
        comments.pipeInput("{\"id\":3}", envelope("c", 7, "2026-03-11T10:00:00Z"), t);
        assertThat(latest()).containsEntry("6|2026-03-11", "{\"views\":1,\"comments\":1,\"favorites\":0}");

        comments.pipeInput((String) null, truncate("comments"), t.plusSeconds(1));

        assertThat(latest()).as("every comment of every article and day is gone; the views stay")
                .containsEntry("6|2026-03-11", "{\"views\":1,\"comments\":0,\"favorites\":0}")
                .containsEntry("6|2026-03-12", "{\"views\":0,\"comments\":0,\"favorites\":0}")
                .containsEntry("7|2026-03-11", "{\"views\":0,\"comments\":0,\"favorites\":0}");
        assertThat(events.count()).as("the truncate is an event read like any other").isEqualTo(5);
    }

    @Test
    void shouldCountRowsWrittenAfterATruncateAndNotRowsDeletedBeforeIt() {
        Instant t = Instant.parse("2026-03-13T10:00:00Z");
        favorites.pipeInput("{\"user_id\":1,\"article_id\":8}", envelope("c", 8, "2026-03-13T10:00:00Z"), t);
        favorites.pipeInput("{\"user_id\":2,\"article_id\":8}", envelope("c", 8, "2026-03-13T11:00:00Z"), t);
        favorites.pipeInput("{\"user_id\":2,\"article_id\":8}", envelope("d", 8, "2026-03-13T11:00:00Z"), t);
        favorites.pipeInput("{\"user_id\":2,\"article_id\":8}", (String) null, t);

        favorites.pipeInput((String) null, truncate("user_favorites"), t.plusSeconds(1));
        assertThat(latest()).containsEntry("8|2026-03-13", "{\"views\":0,\"comments\":0,\"favorites\":0}");

        // The same key again after the truncate (the table is empty, so it is a new row).
        favorites.pipeInput("{\"user_id\":1,\"article_id\":8}", envelope("c", 8, "2026-03-13T12:00:00Z"), t.plusSeconds(2));
        favorites.pipeInput((String) null, truncate("user_favorites"), t.plusSeconds(3));
        favorites.pipeInput("{\"user_id\":3,\"article_id\":8}", envelope("c", 8, "2026-03-13T13:00:00Z"), t.plusSeconds(4));

        assertThat(latest()).as("only the row written after the last truncate counts")
                .containsEntry("8|2026-03-13", "{\"views\":0,\"comments\":0,\"favorites\":1}");
        assertThat(driver.createOutputTopic("dlq", new StringDeserializer(), new StringDeserializer()).isEmpty())
                .as("a truncate is not a poison record").isTrue();
    }

    @Test
    void shouldSendAPoisonRecordToTheDeadLetterTopicAndContinue() {
        Instant t = Instant.parse("2026-03-09T10:00:00Z");
        views.pipeInput("{\"id\":1}", "definitely not json", t);
        views.pipeInput("{\"id\":2}", envelope("c", 5, "2026-03-09T10:00:00Z"), t);

        assertThat(latest()).containsEntry("5|2026-03-09", "{\"views\":1,\"comments\":0,\"favorites\":0}");
        var dlq = driver.createOutputTopic("dlq", new StringDeserializer(), new StringDeserializer());
        var dead = dlq.readRecordsToList();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo("definitely not json");
        assertThat(new String(dead.get(0).headers().lastHeader("__connect.errors.topic").value(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("blog.app.article_views");
        assertThat(new String(dead.get(0).headers().lastHeader("__connect.errors.stage").value(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("VALUE_CONVERTER");
        assertThat(dead.get(0).headers().lastHeader("__connect.errors.exception.message")).isNotNull();
    }

    @Test
    void shouldCountAReplayedDeadLetterOnce() {
        Instant t = Instant.parse("2026-03-14T10:00:00Z");
        long lost = ++lsn;
        comments.pipeInput("{\"id\":1}", envelope("c", 2, "2026-03-14T10:00:00Z"), t);

        replay("blog.app.comments", "{\"id\":2}", envelope("c", 2, "2026-03-14T11:00:00Z", lost), t.plusSeconds(1));
        assertThat(latest()).containsEntry("2|2026-03-14", "{\"views\":0,\"comments\":2,\"favorites\":0}");

        replay("blog.app.comments", "{\"id\":2}", envelope("c", 2, "2026-03-14T11:00:00Z", lost), t.plusSeconds(2));
        assertThat(latest()).as("a second copy is the same row").containsEntry("2|2026-03-14",
                "{\"views\":0,\"comments\":2,\"favorites\":0}");
        assertThat(stale.count()).isZero();
    }

    @Test
    void shouldLeaveOutAReplayedChangeOlderThanItsRow() {
        Instant t = Instant.parse("2026-03-15T10:00:00Z");
        long oldInsert = ++lsn;
        long oldMove = ++lsn;
        // Deleted since: the replayed insert must not bring it back.
        comments.pipeInput("{\"id\":1}", envelope("c", 3, "2026-03-15T10:00:00Z"), t);
        comments.pipeInput("{\"id\":1}", envelope("d", 3, "2026-03-15T10:00:00Z"), t);
        // Moved to another day since: the replayed older version must not move it back.
        comments.pipeInput("{\"id\":2}", envelope("c", 3, "2026-03-16T10:00:00Z"), t);

        replay("blog.app.comments", "{\"id\":1}", envelope("c", 3, "2026-03-15T10:00:00Z", oldInsert), t.plusSeconds(1));
        replay("blog.app.comments", "{\"id\":2}", envelope("u", 3, "2026-03-15T10:00:00Z", oldMove), t.plusSeconds(1));

        assertThat(latest()).containsEntry("3|2026-03-15", "{\"views\":0,\"comments\":0,\"favorites\":0}")
                .containsEntry("3|2026-03-16", "{\"views\":0,\"comments\":1,\"favorites\":0}");
        assertThat(stale.count()).isEqualTo(2);
    }

    @Test
    void shouldLeaveOutAReplayedRowTheTableWasTruncatedAfter() {
        Instant t = Instant.parse("2026-03-17T10:00:00Z");
        long beforeTruncate = ++lsn;
        favorites.pipeInput((String) null, truncate("user_favorites"), t);

        replay("blog.app.user_favorites", "{\"user_id\":1,\"article_id\":4}", envelope("c", 4, "2026-03-17T10:00:00Z",
                beforeTruncate), t.plusSeconds(1));
        replay("blog.app.article_views", "{\"id\":9}", envelope("c", 4, "2026-03-17T10:00:00Z"), t.plusSeconds(1));

        assertThat(latest()).as("the view counts; the favorite was truncated after it was made")
                .containsEntry("4|2026-03-17", "{\"views\":1,\"comments\":0,\"favorites\":0}");
        assertThat(stale.count()).isEqualTo(1);
    }

    @Test
    void shouldReadTheKeyStoreOfEarlierVersionsAsPresentRows() {
        var serde = RowVersions.versionSerde();
        assertThat(serde.deserializer().deserialize("t", new byte[] {1})).as("the boolean stored before versions").isZero();
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", -42L))).isEqualTo(-42L);
    }
}
