package io.cdcpipeline.common.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Start-up check that this process's pools fit the server: the sum of their maximum sizes must
 * not exceed {@code max_connections} minus the slots reserved for superusers (and, on 16+, for
 * {@code pg_use_reserved_connections}). A pool that could never get its connections would only
 * fail later, under load.
 */
final class ConnectionBudget {

    private ConnectionBudget() {
    }

    static void check(Connection c, Map<Priority, PoolSettings> pools) throws SQLException {
        int max;
        int superuserReserved;
        int reserved;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_setting('max_connections')::int,"
                + " current_setting('superuser_reserved_connections')::int,"
                + " coalesce(current_setting('reserved_connections', true)::int, 0)")) {
            rs.next();
            max = rs.getInt(1);
            superuserReserved = rs.getInt(2);
            reserved = rs.getInt(3);
        }
        int available = max - superuserReserved - reserved;
        int wanted = pools.values().stream().mapToInt(PoolSettings::maxConnections).sum();
        if (wanted > available) {
            String parts = pools.entrySet().stream().map(e -> e.getKey().label() + " " + e.getValue().maxConnections())
                    .collect(Collectors.joining(" + "));
            throw new IllegalStateException("the pools need " + wanted + " connections (" + parts + ") but the server allows "
                    + available + " (max_connections " + max + " - superuser_reserved_connections " + superuserReserved
                    + " - reserved_connections " + reserved + "): lower DB_MAX_CONNECTIONS or DB_<PRIORITY>_MAX_CONNECTIONS");
        }
    }
}
