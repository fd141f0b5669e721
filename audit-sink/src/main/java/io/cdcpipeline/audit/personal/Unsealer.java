package io.cdcpipeline.audit.personal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;

import io.cdcpipeline.common.change.CanonicalJson;

/**
 * Opens sealed personal values as the connection's role may: in clear when it may read the
 * subject's key and the key exists, {@code "[erased]"} when the key is gone, {@code "[personal]"}
 * when the role may not read keys (the markers {@code audit.redact} shows in SQL), and
 * {@code "[unreadable]"} when the value does not open with its key (it was altered or moved).
 * Keys are read once per subject.
 */
public final class Unsealer {

    public static final String ERASED = "\"[erased]\"";
    public static final String PERSONAL = "\"[personal]\"";
    public static final String UNREADABLE = "\"[unreadable]\"";

    private final Connection connection;
    private final Map<String, SubjectKeys.Key> keys = new HashMap<>();
    private Boolean mayRead;

    public Unsealer(Connection connection) {
        this.connection = connection;
    }

    /** The canonical text of a sealed value of {@code field} (schema.table.column) in clear, or the marker of why not. */
    public String open(SealedValue.Parts parts, String field) throws SQLException {
        SubjectKeys.Key key = key(parts.subject());
        return switch (key.access()) {
            case HIDDEN -> PERSONAL;
            case ERASED -> ERASED;
            case OPEN -> {
                try {
                    yield SealedValue.open(key.key(), parts, field);
                } catch (GeneralSecurityException e) {
                    yield UNREADABLE;
                }
            }
        };
    }

    /** What this reader would see for a value of the subject stored sealed: the value itself only when its key is readable. */
    public String reveal(String subject, String plaintextJson) throws SQLException {
        SubjectKeys.Key key = key(subject);
        return switch (key.access()) {
            case HIDDEN -> PERSONAL;
            case ERASED -> ERASED;
            case OPEN -> plaintextJson;
        };
    }

    /** An image (canonical JSON object text) of a row of {@code table} with each sealed value opened; the same text when it has none. */
    public String openImage(String table, String image) throws SQLException {
        if (image == null || !image.contains("\"" + SealedValue.SEALED + "\"")) {
            return image;
        }
        SortedMap<String, String> members;
        try (JsonParser parser = CanonicalJson.MAPPER.createParser(image)) {
            parser.nextToken();
            members = CanonicalJson.readObject(parser);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        boolean changed = false;
        for (Map.Entry<String, String> member : members.entrySet()) {
            if (member.getValue().startsWith("{")) {
                var parts = SealedValue.parse(CanonicalJson.parse(member.getValue()));
                if (parts.isPresent()) {
                    member.setValue(open(parts.get(), table + "." + member.getKey()));
                    changed = true;
                }
            }
        }
        return changed ? CanonicalJson.ofMembers(members) : image;
    }

    /** {@link #openImage(String, String)} for a parsed image. */
    public JsonNode openImage(String table, JsonNode image) throws SQLException {
        if (image == null || !image.isObject()) {
            return image;
        }
        String text = CanonicalJson.of(image);
        String opened = openImage(table, text);
        return opened.equals(text) ? image : CanonicalJson.parse(opened);
    }

    /** Reads the keys of these subjects in one query, ahead of opening their values. */
    public void prefetch(Set<String> subjects) throws SQLException {
        Set<String> unknown = new java.util.HashSet<>(subjects);
        unknown.removeAll(keys.keySet());
        if (unknown.isEmpty()) {
            return;
        }
        if (!mayRead()) {
            unknown.forEach(s -> keys.put(s, SubjectKeys.Key.HIDDEN));
        } else {
            keys.putAll(SubjectKeys.read(connection, unknown));
        }
    }

    private SubjectKeys.Key key(String subject) throws SQLException {
        if (!keys.containsKey(subject)) {
            prefetch(Set.of(subject));
        }
        return keys.get(subject);
    }

    private boolean mayRead() throws SQLException {
        if (mayRead == null) {
            mayRead = SubjectKeys.mayRead(connection);
        }
        return mayRead;
    }
}
