package io.cdcpipeline.audit.checkpoint;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cdcpipeline.common.change.CanonicalJson;

/**
 * A signed statement about one hash chain, kept outside the database (append-only files and a
 * compacted Kafka topic), so that whoever can rewrite the audit tables cannot make them agree.
 *
 * <ul>
 *   <li>{@code head}: the chain's row at {@code offset} has {@code row_hash} and is its
 *       {@code row_count}-th row; {@code prev_offset}/{@code prev_hash} name the chain's previous
 *       checkpoint (null for the first), so a missing checkpoint is noticed.</li>
 *   <li>{@code retention}: the rows committed before {@code committed_at} were dropped:
 *       {@code row_count} rows in all, the last of them at {@code offset} with {@code row_hash};
 *       each remaining row whose predecessor was dropped is a bridge (its offset and the
 *       {@code prev_hash} it must carry), where {@code verify} starts.</li>
 * </ul>
 *
 * <p>The signature (Ed25519, base64) covers the canonical JSON of every other field: keys
 * sorted, no whitespace, integers as digits, hashes as lowercase hex, times as ISO-8601 UTC.
 *
 * @param log the table of the chain: {@code audit.change_log} or {@code audit.tx_context}
 */
public record Checkpoint(Kind kind, String log, String chainTopic, int chainPartition, long offset, String rowHash,
                         long rowCount, Instant committedAt, Instant signedAt, Long prevOffset, String prevHash,
                         List<Bridge> bridges, String signature) {

    public static final int FORMAT = 1;

    public enum Kind {
        HEAD, RETENTION;

        String json() {
            return name().toLowerCase();
        }
    }

    /** A remaining row whose chain predecessor was dropped by retention. */
    public record Bridge(long offset, String prevHash) {
    }

    public static Checkpoint head(String log, String topic, int partition, long offset, String rowHash, long rowCount,
                                  Instant committedAt, Long prevOffset, String prevHash) {
        return new Checkpoint(Kind.HEAD, log, topic, partition, offset, rowHash, rowCount, committedAt, Instant.now(), prevOffset,
                prevHash, List.of(), null);
    }

    public static Checkpoint retention(String log, String topic, int partition, long lastDroppedOffset, String lastDroppedHash,
                                       long droppedRows, Instant droppedBefore, List<Bridge> bridges) {
        return new Checkpoint(Kind.RETENTION, log, topic, partition, lastDroppedOffset, lastDroppedHash, droppedRows,
                droppedBefore, Instant.now(), null, null, List.copyOf(bridges), null);
    }

    /** "topic/partition": the chain. */
    public String chain() {
        return chainTopic + "/" + chainPartition;
    }

    /** The key of this checkpoint on the compacted topic: the newest of each kind per chain is kept. */
    public String topicKey() {
        return kind.json() + "/" + log + "/" + chain();
    }

    public Checkpoint signed(PrivateKey key) {
        try {
            Signature s = Signature.getInstance(CheckpointKeys.ALGORITHM);
            s.initSign(key);
            s.update(signedText().getBytes(StandardCharsets.UTF_8));
            return new Checkpoint(kind, log, chainTopic, chainPartition, offset, rowHash, rowCount, committedAt, signedAt, prevOffset,
                    prevHash, bridges, Base64.getEncoder().encodeToString(s.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a checkpoint: " + e.getMessage(), e);
        }
    }

    /** Whether one of the keys signed exactly this content. */
    public boolean signedByOneOf(List<PublicKey> keys) {
        if (signature == null) {
            return false;
        }
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] text = signedText().getBytes(StandardCharsets.UTF_8);
        for (PublicKey key : keys) {
            try {
                Signature s = Signature.getInstance(CheckpointKeys.ALGORITHM);
                s.initVerify(key);
                s.update(text);
                if (s.verify(sig)) {
                    return true;
                }
            } catch (GeneralSecurityException e) {
                // Not this key.
            }
        }
        return false;
    }

    /** What the signature covers: the canonical JSON of every field but the signature. */
    public String signedText() {
        return CanonicalJson.of(content());
    }

    /** One line of a checkpoint file, and the value on the topic. */
    public String json() {
        ObjectNode node = content();
        node.put("signature", signature);
        return CanonicalJson.of(node);
    }

    private ObjectNode content() {
        ObjectNode node = CanonicalJson.MAPPER.createObjectNode();
        node.put("format", FORMAT);
        node.put("kind", kind.json());
        node.put("log", log);
        node.put("chain_topic", chainTopic);
        node.put("chain_partition", chainPartition);
        node.put("offset", offset);
        node.put("row_hash", rowHash);
        node.put("row_count", rowCount);
        node.put("committed_at", committedAt.toString());
        node.put("signed_at", signedAt.toString());
        if (kind == Kind.HEAD) {
            if (prevOffset == null) {
                node.putNull("prev_offset");
            } else {
                node.put("prev_offset", prevOffset.longValue());
            }
            node.put("prev_hash", prevHash);
        } else {
            ArrayNode array = node.putArray("bridges");
            for (Bridge b : bridges) {
                array.addObject().put("offset", b.offset()).put("prev_hash", b.prevHash());
            }
        }
        return node;
    }

    /** Reads a checkpoint line; throws IllegalArgumentException on anything that is not one. */
    public static Checkpoint parse(String json) {
        JsonNode n;
        try {
            n = CanonicalJson.parse(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
        if (n.path("format").asInt() != FORMAT) {
            throw new IllegalArgumentException("unknown checkpoint format " + n.path("format"));
        }
        Kind kind;
        try {
            kind = Kind.valueOf(text(n, "kind").toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown kind " + n.path("kind"));
        }
        List<Bridge> bridges = new ArrayList<>();
        for (JsonNode b : n.path("bridges")) {
            bridges.add(new Bridge(b.path("offset").asLong(), text(b, "prev_hash")));
        }
        JsonNode prev = n.path("prev_offset");
        return new Checkpoint(kind, text(n, "log"), text(n, "chain_topic"), n.path("chain_partition").asInt(), n.path("offset").asLong(),
                n.path("row_hash").isNull() ? null : n.path("row_hash").asText(null), n.path("row_count").asLong(),
                Instant.parse(text(n, "committed_at")), Instant.parse(text(n, "signed_at")),
                prev.isNumber() ? prev.asLong() : null, n.path("prev_hash").isTextual() ? n.path("prev_hash").asText() : null,
                List.copyOf(bridges), n.path("signature").isTextual() ? n.path("signature").asText() : null);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("missing " + field);
        }
        return v.asText();
    }

    @Override
    public String toString() {
        return kind.json() + " checkpoint of " + log + " chain " + chain() + " at offset " + offset + " (signed " + signedAt + ")";
    }
}
