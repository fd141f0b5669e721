package io.cdcpipeline.common.db;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;

/**
 * The one place that decides whether a database failure is worth retrying. Transient: connection
 * errors (SQLState class {@code 08}), the server shutting down or restarting ({@code 57P01}–
 * {@code 57P03}), serialization failures ({@code 40001}), deadlocks ({@code 40P01}), too many
 * connections ({@code 53300}), and connection-level I/O errors. Everything else — authentication
 * ({@code 28}), syntax or privileges ({@code 42}), constraint violations ({@code 23}) — is
 * permanent: retrying would only repeat it.
 */
public final class TransientErrors {

    private static final Set<String> TRANSIENT_STATES = Set.of("57P01", "57P02", "57P03", "40001", "40P01", "53300");

    private TransientErrors() {
    }

    public static boolean isTransient(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null) {
                    if (state.startsWith("08") || TRANSIENT_STATES.contains(state)) {
                        return true;
                    }
                    if (state.startsWith("28") || state.startsWith("42") || state.startsWith("23") || state.startsWith("22")) {
                        return false;
                    }
                }
                if (sql instanceof SQLTransientConnectionException || sql instanceof SQLRecoverableException) {
                    return true;
                }
            }
            if (t instanceof ConnectException || t instanceof SocketTimeoutException || t instanceof EOFException
                    || t instanceof SocketException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** The SQLState of the first SQLException in the chain, for logs and metric tags; "none" otherwise. */
    public static String sqlState(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return "none";
    }
}
