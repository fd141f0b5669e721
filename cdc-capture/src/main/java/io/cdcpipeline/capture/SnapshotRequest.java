package io.cdcpipeline.capture;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import io.cdcpipeline.common.config.ConfigurationException;
import io.cdcpipeline.common.db.ConnectionSettings;

/**
 * Asks the running capture for an incremental snapshot: a row in the signal table, which travels
 * through the WAL to the engine. The snapshot's rows arrive as {@code op = r} events, interleaved
 * with live changes; consumers are idempotent, so re-reading rows is safe.
 */
public final class SnapshotRequest {

    private SnapshotRequest() {
    }

    /** Inserts the signal; returns its id. */
    public static String request(ConnectionSettings database, String... tables) throws SQLException {
        String id = "snapshot-" + UUID.randomUUID();
        String collections = Arrays.stream(tables).map(t -> "\"" + t.replace("\"", "") + "\"").collect(Collectors.joining(","));
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(), database.driverProperties());
             PreparedStatement s = c.prepareStatement("INSERT INTO " + DebeziumProperties.SIGNAL_TABLE
                     + " (id, type, data) VALUES (?, 'execute-snapshot', ?)")) {
            s.setString(1, id);
            s.setString(2, "{\"data-collections\": [" + collections + "], \"type\": \"incremental\"}");
            s.executeUpdate();
        }
        return id;
    }

    static int run(Map<String, String> env, String[] tables) {
        if (tables.length == 0) {
            System.err.println("usage: cdc-capture snapshot <schema.table>...");
            return 2;
        }
        try {
            String id = request(ConnectionSettings.fromEnv(env, "cdc-capture-snapshot"), tables);
            System.out.println("incremental snapshot of " + String.join(", ", tables) + " requested (signal " + id + ")");
            return 0;
        } catch (ConfigurationException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (SQLException e) {
            System.err.println("cannot request the snapshot: " + e.getMessage());
            return 1;
        }
    }
}
