package io.cdcpipeline.analytics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Absolute counts of one (article, day): what the sink upserts. */
record DailyCounts(long views, long comments, long favorites) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Serde<DailyCounts> serde() {
        return Serdes.serdeFrom(
                (topic, c) -> c == null ? null : ("{\"views\":" + c.views() + ",\"comments\":" + c.comments()
                        + ",\"favorites\":" + c.favorites() + "}").getBytes(StandardCharsets.UTF_8),
                (topic, bytes) -> bytes == null ? null : parse(new String(bytes, StandardCharsets.UTF_8)));
    }

    static DailyCounts parse(String json) {
        try {
            JsonNode n = JSON.readTree(json);
            return new DailyCounts(n.get("views").asLong(), n.get("comments").asLong(), n.get("favorites").asLong());
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("not daily counts: " + e.getMessage(), e);
        }
    }
}
