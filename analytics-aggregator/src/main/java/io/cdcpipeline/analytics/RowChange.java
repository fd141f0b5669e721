package io.cdcpipeline.analytics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What a counted row (a view, a comment, a favorite) contributes: one to its article on the day
 * of its own {@code created_at} (UTC), read from the Debezium envelope's {@code after}
 * ({@link SourceChange}). The value of the topology's row tables; a deleted row is no value.
 */
record RowChange(long articleId, String day) {

    private static final ObjectMapper JSON = new ObjectMapper();

    DayKey dayKey() {
        return new DayKey(articleId, java.time.LocalDate.parse(day));
    }

    /** Serde of this record's own form, on the repartition and changelog topics of the row tables. */
    static Serde<RowChange> serde() {
        Serializer<RowChange> serializer = (topic, change) -> change == null ? null
                : ("{\"a\":" + change.articleId() + ",\"d\":\"" + change.day() + "\"}").getBytes(StandardCharsets.UTF_8);
        Deserializer<RowChange> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                JsonNode node = JSON.readTree(bytes);
                return new RowChange(node.get("a").asLong(), node.get("d").asText());
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("not a counted row: " + e.getMessage(), e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
