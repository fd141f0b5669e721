package io.cdcpipeline.schema.monitor;

import java.sql.Connection;
import java.sql.SQLException;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Estimated B-tree bloat per index and INVALID indexes (a failed {@code CREATE/REINDEX
 * CONCURRENTLY} leaves one: it costs writes and serves no reads), and how long each materialized
 * view has been stale. Bloat and staleness come from the {@code monitoring} schema's functions,
 * which read what monitor_user itself may not.
 */
final class IndexAndViewCollector implements Collector {

    private final GaugeFamily bloatBytes;
    private final GaugeFamily bloatRatio;
    private final GaugeFamily invalidCount;
    private final GaugeFamily invalid;
    private final GaugeFamily staleness;
    private final GaugeFamily lastRefresh;

    IndexAndViewCollector(MeterRegistry registry) {
        bloatBytes = new GaugeFamily(registry, "pg.index.bloat.bytes", "estimated wasted space of a B-tree index");
        bloatRatio = new GaugeFamily(registry, "pg.index.bloat.ratio", "estimated wasted fraction of a B-tree index (0..1)");
        invalidCount = new GaugeFamily(registry, "pg.indexes.invalid", "INVALID indexes in this database");
        invalid = new GaugeFamily(registry, "pg.index.invalid", "1 for each INVALID index");
        staleness = new GaugeFamily(registry, "pg.matview.staleness.seconds",
                "how long the materialized view has lagged behind its sources (0 when current)");
        lastRefresh = new GaugeFamily(registry, "pg.matview.last.refresh.timestamp.seconds", "last refresh (Unix time; 0 = never)");
    }

    @Override
    public String name() {
        return "indexes";
    }

    @Override
    public void collect(Connection c) throws SQLException {
        boolean functions = Sql.bool(c, "SELECT CASE WHEN to_regnamespace('monitoring') IS NULL THEN false"
                + " ELSE has_schema_privilege('monitoring', 'USAGE') END");
        if (functions) {
            Sql.forEachRow(c, "SELECT schema_name, table_name, index_name, bloat_bytes, bloat_ratio FROM monitoring.index_bloat()", row -> {
                String[] labels = {"schemaname", row.getString(1), "relname", row.getString(2), "indexrelname", row.getString(3)};
                bloatBytes.add(row.getDouble(4), labels);
                bloatRatio.add(row.getDouble(5), labels);
            });
        }
        // Only the blog example has materialized views (and this function, migration 013).
        if (functions && Sql.bool(c, "SELECT to_regprocedure('monitoring.matview_staleness()') IS NOT NULL")) {
            Sql.forEachRow(c, "SELECT view_name, stale_seconds, coalesce(extract(epoch FROM last_refresh_at), 0)"
                    + " FROM monitoring.matview_staleness()", row -> {
                        staleness.add(row.getDouble(2), "matviewname", row.getString(1));
                        lastRefresh.add(row.getDouble(3), "matviewname", row.getString(1));
                    });
        }
        bloatBytes.publish();
        bloatRatio.publish();
        staleness.publish();
        lastRefresh.publish();
        Sql.forEachRow(c, "SELECT n.nspname, t.relname, i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                + " JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = i.relnamespace WHERE NOT x.indisvalid",
                row -> invalid.add(1, "schemaname", row.getString(1), "relname", row.getString(2), "indexrelname", row.getString(3)));
        invalidCount.set(Sql.number(c, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"));
        invalid.publish();
    }
}
