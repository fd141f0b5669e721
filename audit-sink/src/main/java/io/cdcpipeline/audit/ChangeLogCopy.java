package io.cdcpipeline.audit;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * One {@code COPY audit.change_log ... FROM STDIN} in a transaction, fed row by row as the rows
 * are chained. Rows go out in chunks, so the database parses and indexes one chunk while the next
 * is hashed and built, instead of waiting for the whole batch (bench audit: the writer's hashing
 * and the backend's COPY overlap). The COPY starts with the first chunk: a group with no new rows
 * sends nothing. Closing without {@link #finish} cancels the COPY, and with it the transaction's
 * rows.
 */
final class ChangeLogCopy implements AutoCloseable {

    private static final String COPY = "COPY audit.change_log (source_table, op, primary_key, before, after, changed_columns,"
            + " tx_id, source_lsn, committed_at, captured_at, chain_topic, chain_partition, chain_offset, hash_version, prev_hash,"
            + " row_hash)"
            + " FROM STDIN (FORMAT csv)";
    /** Large enough that a chunk costs one socket write, small enough that the backend starts early. */
    private static final int CHUNK_CHARS = 256 * 1024;
    private static final HexFormat HEX = HexFormat.of();

    private final Connection tx;
    private final StringBuilder csv = new StringBuilder(CHUNK_CHARS + 8 * 1024);
    private CopyIn in;

    ChangeLogCopy(Connection tx) {
        this.tx = tx;
    }

    void add(AuditRow r) throws SQLException {
        appendQuoted(csv, r.sourceTable()).append(',').append(r.op()).append(',');
        appendQuoted(csv, r.primaryKey()).append(',');
        if (r.before() != null) {
            appendQuoted(csv, r.before());
        }
        csv.append(',');
        if (r.after() != null) {
            appendQuoted(csv, r.after());
        }
        csv.append(',');
        if (r.changedColumns() != null) {
            appendQuoted(csv, arrayLiteral(r.changedColumns()));
        }
        csv.append(',');
        if (r.txId() != null) {
            csv.append(r.txId().longValue());
        }
        csv.append(',').append(r.sourceLsn())
                .append(',').append(r.committedAt())
                .append(',').append(r.capturedAt()).append(',');
        appendQuoted(csv, r.chainTopic())
                .append(',').append(r.chainPartition())
                .append(',').append(r.chainOffset())
                .append(',').append(r.hashVersion())
                .append(",\\x");
        HEX.formatHex(csv, r.prevHash());
        csv.append(",\\x");
        HEX.formatHex(csv, r.rowHash());
        csv.append('\n');
        if (csv.length() >= CHUNK_CHARS) {
            send();
        }
    }

    /** Sends what is left and ends the COPY; a constraint violation surfaces here. */
    void finish() throws SQLException {
        if (csv.length() > 0) {
            send();
        }
        if (in != null) {
            in.endCopy();
        }
    }

    @Override
    public void close() throws SQLException {
        if (in != null && in.isActive()) {
            in.cancelCopy();
        }
    }

    private void send() throws SQLException {
        if (in == null) {
            in = tx.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY);
        }
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        in.writeToCopy(bytes, 0, bytes.length);
        csv.setLength(0);
    }

    /** {@code value} as a CSV field: in double quotes, inner double quotes doubled. */
    private static StringBuilder appendQuoted(StringBuilder out, String value) {
        out.append('"');
        int from = 0;
        for (int quote = value.indexOf('"'); quote >= 0; quote = value.indexOf('"', quote + 1)) {
            out.append(value, from, quote + 1).append('"');
            from = quote + 1;
        }
        return out.append(value, from, value.length()).append('"');
    }

    private static String arrayLiteral(List<String> values) {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append('"').append(values.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return out.append('}').toString();
    }
}
