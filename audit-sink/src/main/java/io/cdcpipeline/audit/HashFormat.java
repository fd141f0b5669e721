package io.cdcpipeline.audit;

import java.util.List;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * The versions of the text a row's hash covers. Fields are joined by the unit separator U+001F.
 *
 * <ul>
 *   <li>Version 1 (changes written before migration 018): source table, op, primary key, before,
 *       after (canonical JSON or {@code null}), changed columns (comma-joined or {@code null}),
 *       transaction id, source LSN, commit and capture times (epoch milliseconds), chain topic,
 *       partition and offset.</li>
 *   <li>Version 2: the digit {@code 2}, then the fields of version 1 for a change; for an actor
 *       ({@code audit.tx_context}): {@code actor}, transaction id, commit time (epoch ms), database
 *       user, application user, organization, application name, client address (each a JSON string
 *       or {@code null}), source LSN, chain topic, partition and offset.</li>
 * </ul>
 *
 * The version is stored with each row ({@code hash_version}) and is itself hashed from version 2
 * on, so it cannot be changed to have a row read under another format.
 */
final class HashFormat {

    static final int CURRENT = 2;
    static final String SEPARATOR = "\u001f";

    private HashFormat() {
    }

    static String canonical(int version, String content) {
        return switch (version) {
            case 1 -> content;
            case 2 -> "2" + SEPARATOR + content;
            default -> throw new IllegalArgumentException("unknown hash version " + version);
        };
    }

    static String join(List<String> fields) {
        return String.join(SEPARATOR, fields);
    }

    /** A nullable text as a JSON string or {@code null}: unambiguous, unlike the bare text. */
    static String text(String value) {
        return value == null ? "null" : "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(value)) + "\"";
    }
}
