package io.cdcpipeline.capture;

/**
 * Reads the operation and commit time from a Debezium JSON envelope without parsing it: metrics
 * run for every event, and capture must stay close to the bare engine's throughput. Debezium
 * writes the envelope in a fixed order ({@code before, after, source, transaction, op, ts_ms}),
 * so the last {@code "op":"} is the envelope's, and the first {@code "ts_ms":} after the last
 * {@code "source":{} is the commit time (row values never contain an unescaped quote).
 */
final class EnvelopeScanner {

    private EnvelopeScanner() {
    }

    /** c, u, d, r, t, m (message), or "other" for envelopes without op (heartbeats, transactions). */
    static String op(String json) {
        int at = json.lastIndexOf("\"op\":\"");
        if (at < 0 || at + 7 >= json.length()) {
            return "other";
        }
        return String.valueOf(json.charAt(at + 6));
    }

    /** source.ts_ms (commit time, ms since epoch) or -1. */
    static long sourceTimestamp(String json) {
        int source = json.lastIndexOf("\"source\":{");
        if (source < 0) {
            return -1;
        }
        int ts = json.indexOf("\"ts_ms\":", source);
        if (ts < 0) {
            return -1;
        }
        long value = 0;
        int i = ts + 8;
        boolean digits = false;
        while (i < json.length() && Character.isDigit(json.charAt(i))) {
            value = value * 10 + (json.charAt(i++) - '0');
            digits = true;
        }
        return digits ? value : -1;
    }
}
