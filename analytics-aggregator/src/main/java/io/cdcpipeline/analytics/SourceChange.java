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
 * A record of a counted table's change topic as the topology reads it: the row it leaves
 * ({@code row}; null for a delete), or a TRUNCATE; and its source position ({@code source.lsn}),
 * the version by which {@link RowVersions} tells a change older than what it holds (a replayed
 * dead letter) from a current one. {@code partition} is the change-topic partition of a replayed
 * TRUNCATE (which has no key to route it by); -1 otherwise.
 */
record SourceChange(RowChange row, boolean truncate, long lsn, int partition) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static SourceChange upsert(RowChange row, long lsn) {
        return new SourceChange(row, false, lsn, -1);
    }

    static SourceChange delete(long lsn) {
        return new SourceChange(null, false, lsn, -1);
    }

    static SourceChange truncateAt(long lsn) {
        return new SourceChange(null, true, lsn, -1);
    }

    boolean isDelete() {
        return !truncate && row == null;
    }

    SourceChange onPartition(int p) {
        return new SourceChange(row, truncate, lsn, p);
    }

    /**
     * Reads the change envelopes (bare or with their schema embedded) and this record's own form
     * on the replay repartition topics. An envelope without the counted fields throws
     * {@link SerializationException}: Kafka Streams' deserialization handler sends the record to
     * the dead-letter topic and continues.
     */
    static Serde<SourceChange> serde() {
        Serializer<SourceChange> serializer = (topic, change) -> change == null ? null : ownForm(change).getBytes(StandardCharsets.UTF_8);
        Deserializer<SourceChange> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            try {
                if (text.startsWith("{\"l\":")) {
                    return fromOwnForm(JSON.readTree(text));
                }
                return fromEvent(ChangeEventParser.parseValue(topic, text));
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("not a change envelope of a counted table: " + e.getMessage(), e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    private static String ownForm(SourceChange c) {
        if (c.truncate) {
            return "{\"l\":" + c.lsn + ",\"t\":" + c.partition + "}";
        }
        if (c.row == null) {
            return "{\"l\":" + c.lsn + ",\"x\":1}";
        }
        return "{\"l\":" + c.lsn + ",\"a\":" + c.row.articleId() + ",\"d\":\"" + c.row.day() + "\"}";
    }

    private static SourceChange fromOwnForm(JsonNode node) {
        long lsn = node.get("l").asLong();
        if (node.has("t")) {
            return truncateAt(lsn).onPartition(node.get("t").asInt());
        }
        if (node.has("x")) {
            return delete(lsn);
        }
        return upsert(new RowChange(node.get("a").asLong(), node.get("d").asText()), lsn);
    }

    private static SourceChange fromEvent(ChangeEvent event) {
        if (event.isDelete()) {
            return delete(event.lsn());
        }
        if (event.isTruncate()) {
            return truncateAt(event.lsn());
        }
        String articleId = event.after() == null ? null : event.after().value("article_id");
        String createdAt = event.after() == null ? null : event.after().value("created_at");
        if (articleId == null || createdAt == null) {
            throw new IllegalArgumentException("op " + event.op() + " without after.article_id and after.created_at");
        }
        String day = Instant.parse(createdAt).atOffset(ZoneOffset.UTC).toLocalDate().toString();
        return upsert(new RowChange(Long.parseLong(articleId), day), event.lsn());
    }
}
