package io.cdcpipeline.audit.personal;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.crypto.SecretKey;

/**
 * The data subjects' keys in {@code audit.subject_keys}: one AES-256 key per subject, created by
 * the sink the first time it seals a value of the subject, in the transaction that writes the
 * value; NULL once the subject is erased ({@code audit.erase_subject}).
 */
public final class SubjectKeys {

    private SubjectKeys() {
    }

    /**
     * The sink's keys for these subjects, creating the missing ones in the caller's transaction: a
     * key, or empty for an erased subject (its values are sealed with a key that is never stored).
     */
    public static Map<String, Optional<SecretKey>> obtain(Connection tx, Collection<String> subjects) throws SQLException {
        Map<String, Optional<SecretKey>> keys = select(tx, subjects);
        List<String> missing = subjects.stream().filter(s -> !keys.containsKey(s)).distinct().toList();
        if (!missing.isEmpty()) {
            // DO NOTHING: a key another writer created first wins, and an erased subject stays erased.
            try (PreparedStatement insert = tx.prepareStatement(
                    "INSERT INTO audit.subject_keys (subject, key) VALUES (?, ?) ON CONFLICT (subject) DO NOTHING")) {
                for (String subject : missing) {
                    insert.setString(1, subject);
                    insert.setBytes(2, SealedValue.newKey().getEncoded());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            keys.putAll(select(tx, missing));
        }
        return keys;
    }

    /** What a reader may do with a subject's values. */
    public enum Access { OPEN, ERASED, HIDDEN }

    /** A reader's view of one subject's key: the key when {@link Access#OPEN}. */
    public record Key(Access access, SecretKey key) {
        static final Key ERASED = new Key(Access.ERASED, null);
        static final Key HIDDEN = new Key(Access.HIDDEN, null);
    }

    /** Whether the connection's role may read the keys (and the table exists). */
    public static boolean mayRead(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT coalesce(has_table_privilege(to_regclass('audit.subject_keys'), 'SELECT'), false)");
             ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** Reads the subjects' keys as the connection's role, which must {@link #mayRead}: a subject without a key row is erased. */
    public static Map<String, Key> read(Connection c, Collection<String> subjects) throws SQLException {
        Map<String, Key> keys = new HashMap<>();
        select(c, subjects).forEach((subject, key) -> keys.put(subject, key.map(k -> new Key(Access.OPEN, k)).orElse(Key.ERASED)));
        for (String subject : subjects) {
            keys.putIfAbsent(subject, Key.ERASED);
        }
        return keys;
    }

    private static Map<String, Optional<SecretKey>> select(Connection c, Collection<String> subjects) throws SQLException {
        Map<String, Optional<SecretKey>> keys = new HashMap<>();
        if (subjects.isEmpty()) {
            return keys;
        }
        try (PreparedStatement s = c.prepareStatement("SELECT subject, key FROM audit.subject_keys WHERE subject = ANY (?)")) {
            Array array = c.createArrayOf("text", subjects.toArray());
            s.setArray(1, array);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    byte[] raw = rs.getBytes(2);
                    keys.put(rs.getString(1), raw == null ? Optional.empty() : Optional.of(SealedValue.key(raw)));
                }
            }
        }
        return keys;
    }
}
