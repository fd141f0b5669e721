package io.cdcpipeline.schema.maintenance;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.cdcpipeline.schema.maintenance.MaintenanceAction.Kind;

/**
 * Decides what is due, from the statistics views and the bloat estimate, without changing anything.
 * A table due for both VACUUM and ANALYZE gets one {@code VACUUM (ANALYZE)}. An INVALID index
 * that a running {@code CREATE INDEX CONCURRENTLY} is still building is left alone.
 */
final class MaintenancePlanner {

    private final MaintenanceConfig.Thresholds thresholds;

    MaintenancePlanner(MaintenanceConfig.Thresholds thresholds) {
        this.thresholds = thresholds;
    }

    List<MaintenanceAction> plan(Connection c) throws SQLException {
        List<MaintenanceAction> actions = new ArrayList<>();
        Set<String> vacuumed = new HashSet<>();
        try (PreparedStatement s = c.prepareStatement("SELECT schemaname, relname, n_dead_tup, n_live_tup FROM pg_stat_user_tables"
                + " WHERE n_dead_tup >= ? AND n_dead_tup::float8 / greatest(n_live_tup + n_dead_tup, 1) >= ?"
                + " ORDER BY n_dead_tup DESC")) {
            s.setLong(1, Math.max(1, thresholds.vacuumMinDead()));
            s.setDouble(2, thresholds.vacuumDeadRatio());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    actions.add(new MaintenanceAction(Kind.VACUUM, rs.getString(1), rs.getString(2),
                            String.format(Locale.ROOT, "%,d dead rows beside %,d live", rs.getLong(3), rs.getLong(4))));
                    vacuumed.add(rs.getString(1) + "." + rs.getString(2));
                }
            }
        }
        try (PreparedStatement s = c.prepareStatement("SELECT schemaname, relname, n_mod_since_analyze, n_live_tup FROM pg_stat_user_tables"
                + " WHERE n_mod_since_analyze > ? + ? * n_live_tup ORDER BY n_mod_since_analyze DESC")) {
            s.setLong(1, thresholds.analyzeMinChanges());
            s.setDouble(2, thresholds.analyzeScale());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    if (!vacuumed.contains(rs.getString(1) + "." + rs.getString(2))) {
                        actions.add(new MaintenanceAction(Kind.ANALYZE, rs.getString(1), rs.getString(2),
                                String.format(Locale.ROOT, "%,d rows changed since the last analyze, %,d live", rs.getLong(3), rs.getLong(4))));
                    }
                }
            }
        }
        // INVALID indexes: leftovers of a failed REINDEX CONCURRENTLY are dropped (the original
        // index is intact), any other is rebuilt; one still being built is left alone.
        try (PreparedStatement s = c.prepareStatement("SELECT n.nspname, i.relname FROM pg_index x"
                + " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace"
                + " WHERE NOT x.indisvalid AND i.relkind = 'i' AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
                + " AND NOT EXISTS (SELECT FROM pg_stat_progress_create_index p WHERE p.index_relid = x.indexrelid)"
                + " ORDER BY 1, 2");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                String name = rs.getString(2);
                boolean leftover = name.matches(".*_cc(new|old)[0-9]*");
                actions.add(new MaintenanceAction(leftover ? Kind.DROP_LEFTOVER_INDEX : Kind.REINDEX, rs.getString(1), name,
                        leftover ? "INVALID, left by a failed REINDEX CONCURRENTLY" : "INVALID"));
            }
        }
        try (PreparedStatement s = c.prepareStatement("SELECT schema_name, index_name, index_bytes, bloat_bytes, bloat_ratio"
                + " FROM monitoring.index_bloat() WHERE bloat_ratio >= ? AND index_bytes >= ? ORDER BY bloat_bytes DESC")) {
            s.setDouble(1, thresholds.reindexBloatRatio());
            s.setLong(2, thresholds.reindexMinBytes());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    actions.add(new MaintenanceAction(Kind.REINDEX, rs.getString(1), rs.getString(2),
                            String.format(Locale.ROOT, "estimated bloat %.0f%% (%,d of %,d bytes)", 100 * rs.getDouble(5), rs.getLong(4),
                                    rs.getLong(3))));
                }
            }
        }
        return actions;
    }
}
