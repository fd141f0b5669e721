package io.cdcpipeline.schema.monitor;

import java.sql.Connection;
import java.sql.SQLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The top statements of this database from {@code pg_stat_statements}: the N with the most total
 * time and the N with the highest mean time. Labels are the query id and the role only, so the
 * number of series stays bounded by 2N and no statement text (which may carry literals from
 * utility commands) reaches the metrics; {@code SELECT query FROM pg_stat_statements WHERE queryid
 * = ...} finds the text.
 */
final class QueryStatsCollector implements Collector {

    private static final Logger LOG = LoggerFactory.getLogger(QueryStatsCollector.class);

    private final int top;
    private final GaugeFamily available;
    private final GaugeFamily calls;
    private final GaugeFamily totalTime;
    private final GaugeFamily meanTime;
    private final GaugeFamily rows;
    private boolean warned;

    QueryStatsCollector(MeterRegistry registry, int top) {
        this.top = top;
        available = new GaugeFamily(registry, "pg.stat.statements.available",
                "1 when pg_stat_statements is installed in this database and preloaded");
        calls = new GaugeFamily(registry, "pg.stat.statements.calls", "calls of a top statement");
        totalTime = new GaugeFamily(registry, "pg.stat.statements.total.time.seconds", "total execution time of a top statement");
        meanTime = new GaugeFamily(registry, "pg.stat.statements.mean.time.seconds", "mean execution time of a top statement");
        rows = new GaugeFamily(registry, "pg.stat.statements.rows", "rows returned or affected by a top statement");
    }

    @Override
    public String name() {
        return "statements";
    }

    @Override
    public void collect(Connection c) throws SQLException {
        boolean installed = Sql.bool(c, "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_stat_statements')")
                && Sql.bool(c, "SELECT current_setting('shared_preload_libraries') ~ 'pg_stat_statements'");
        available.set(installed ? 1 : 0);
        if (!installed) {
            if (!warned) {
                LOG.warn("pg_stat_statements is not available: add it to shared_preload_libraries (restart) and run"
                        + " CREATE EXTENSION pg_stat_statements in this database (schema migrate does when it may)");
                warned = true;
            }
            return;
        }
        String schema = Sql.text(c, "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
                + " WHERE e.extname = 'pg_stat_statements'");
        Sql.forEachRow(c, "WITH s AS (SELECT queryid, userid, sum(calls) AS calls, sum(total_exec_time) AS total_ms,"
                + "   sum(rows) AS rows FROM \"" + schema.replace("\"", "\"\"") + "\".pg_stat_statements"
                + "   WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND queryid IS NOT NULL"
                + "   GROUP BY queryid, userid),"
                + " ranked AS (SELECT *, rank() OVER (ORDER BY total_ms DESC) AS by_total,"
                + "   rank() OVER (ORDER BY total_ms / greatest(calls, 1) DESC) AS by_mean FROM s)"
                + " SELECT queryid, coalesce(r.rolname, userid::text), calls, total_ms, total_ms / greatest(calls, 1), ranked.rows"
                + " FROM ranked LEFT JOIN pg_roles r ON r.oid = ranked.userid"
                + " WHERE by_total <= " + top + " OR by_mean <= " + top, row -> {
                    String[] labels = {"queryid", Long.toString(row.getLong(1)), "usename", row.getString(2)};
                    calls.add(row.getDouble(3), labels);
                    totalTime.add(row.getDouble(4) / 1000, labels);
                    meanTime.add(row.getDouble(5) / 1000, labels);
                    rows.add(row.getDouble(6), labels);
                });
        calls.publish();
        totalTime.publish();
        meanTime.publish();
        rows.publish();
    }
}
