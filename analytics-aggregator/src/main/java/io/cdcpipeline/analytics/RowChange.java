package io.cdcpipeline.analytics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cdcpipeline.common.change.ChangeEvent;
import io.cdcpipeline.common.change.ChangeEventParser;

/**
 * What a counted row (a view, a comment, a favorite) contributes: one to its article on the day
 * of its own {@code created_at} (UTC). Read from the Debezium envelope's {@code after}; a delete
 * (or its tombstone) reads as null, which removes the row from the count. A TRUNCATE reads as
 * {@link #TRUNCATE}: it names no row, and the topology turns it into a delete of each row it holds
 * ({@link TruncateExpander}).
 */
record RowChange(long articleId, String day) {

    /** A TRUNCATE of the whole table (op {@code t}, no key, no before or after image); never a row's day. */
    static final RowChange TRUNCATE = new RowChange(0, "");

    private static final ObjectMapper JSON = new ObjectMapper();

    boolean isTruncate() {
        return equals(TRUNCATE);
    }

    DayKey dayKey() {
        return new DayKey(articleId, java.time.LocalDate.parse(day));
    }

    /**
     * Serde of the change topics' values. An envelope without the fields throws
     * {@link SerializationException}: Kafka Streams' deserialization handler sends the record to
     * the dead-letter topic and continues.
     */
    static Serde<RowChange> serde() {
        Serializer<RowChange> serializer = (topic, change) -> change == null ? null
                : ("{\"a\":" + change.articleId() + ",\"d\":\"" + change.day() + "\"}").getBytes(StandardCharsets.UTF_8);
        Deserializer<RowChange> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            try {
                if (text.startsWith("{\"a\":")) {
                    // This serde's own form, on the repartition and changelog topics.
                    JsonNode node = JSON.readTree(text);
                    return new RowChange(node.get("a").asLong(), node.get("d").asText());
                }
                return fromEvent(ChangeEventParser.parseValue(topic, text));
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("not a change envelope of a counted table: " + e.getMessage(), e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    private static RowChange fromEvent(ChangeEvent event) {
        if (event.isDelete()) {
            return null;
        }
        if (event.isTruncate()) {
            return TRUNCATE;
        }
        String articleId = event.after() == null ? null : event.after().value("article_id");
        String createdAt = event.after() == null ? null : event.after().value("created_at");
        if (articleId == null || createdAt == null) {
            throw new IllegalArgumentException("op " + event.op() + " without after.article_id and after.created_at");
        }
        String day = Instant.parse(createdAt).atOffset(ZoneOffset.UTC).toLocalDate().toString();
        return new RowChange(Long.parseLong(articleId), day);
    }
}
