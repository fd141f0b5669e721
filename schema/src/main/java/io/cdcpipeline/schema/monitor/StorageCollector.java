package io.cdcpipeline.schema.monitor;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Space and upkeep: database, table and index sizes; live and dead tuples, changes since the last
 * analyze and the last (auto)vacuum/analyze per table; WAL on disk and its generation rate; the
 * free space of the data directory when this process can see it (same host or a shared mount).
 */
final class StorageCollector implements Collector {

    /** Relations of this database an ACCESS EXCLUSIVE lock is held on or waited for. */
    private static final String LOCKED = "WITH locked AS (SELECT relation FROM pg_locks WHERE mode = 'AccessExclusiveLock'"
            + " AND relation IS NOT NULL AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) ";

    private final Optional<Path> dataDirectory;
    private final GaugeFamily databaseSize;
    private final GaugeFamily tableSize;
    private final GaugeFamily liveTuples;
    private final GaugeFamily deadTuples;
    private final GaugeFamily modifiedSinceAnalyze;
    private final GaugeFamily lastVacuum;
    private final GaugeFamily lastAnalyze;
    private final GaugeFamily indexSize;
    private final GaugeFamily indexScans;
    private final GaugeFamily walSize;
    private final GaugeFamily walFiles;
    private final GaugeFamily walPosition;
    private final GaugeFamily walRate;
    private final GaugeFamily diskFree;
    private final GaugeFamily diskTotal;
    private double previousWalPosition = Double.NaN;
    private long previousWalAt;

    /** @param dataDirectory where to measure free space; empty: the server's data_directory, if this host sees it */
    StorageCollector(MeterRegistry registry, Optional<Path> dataDirectory) {
        this.dataDirectory = dataDirectory;
        databaseSize = new GaugeFamily(registry, "pg.database.size.bytes", "size of this database");
        tableSize = new GaugeFamily(registry, "pg.table.size.bytes", "size of a table with its indexes and TOAST");
        liveTuples = new GaugeFamily(registry, "pg.stat.user.tables.n.live.tup", "estimated live rows");
        deadTuples = new GaugeFamily(registry, "pg.stat.user.tables.n.dead.tup", "estimated dead rows (vacuum reclaims them)");
        modifiedSinceAnalyze = new GaugeFamily(registry, "pg.stat.user.tables.n.mod.since.analyze",
                "rows changed since the table was last analyzed");
        lastVacuum = new GaugeFamily(registry, "pg.stat.user.tables.last.vacuum.timestamp.seconds",
                "last vacuum or autovacuum (Unix time; 0 = never)");
        lastAnalyze = new GaugeFamily(registry, "pg.stat.user.tables.last.analyze.timestamp.seconds",
                "last analyze or autoanalyze (Unix time; 0 = never)");
        indexSize = new GaugeFamily(registry, "pg.index.size.bytes", "size of an index");
        indexScans = new GaugeFamily(registry, "pg.stat.user.indexes.idx.scan", "scans that used the index since statistics reset");
        walSize = new GaugeFamily(registry, "pg.wal.size.bytes", "WAL segment files on disk (pg_wal)");
        walFiles = new GaugeFamily(registry, "pg.wal.segments", "number of WAL segment files");
        walPosition = new GaugeFamily(registry, "pg.wal.lsn.bytes", "current WAL position in bytes (rate() gives WAL generated per second)");
        walRate = new GaugeFamily(registry, "pg.wal.generation.bytes.per.second", "WAL generated per second between the last two collections");
        diskFree = new GaugeFamily(registry, "pg.data.directory.free.bytes", "free space of the file system holding the data directory");
        diskTotal = new GaugeFamily(registry, "pg.data.directory.total.bytes", "size of the file system holding the data directory");
    }

    @Override
    public String name() {
        return "storage";
    }

    @Override
    public void collect(Connection c) throws SQLException {
        String[] dataDirectorySetting = new String[1];
        Sql.forEachRow(c, "SELECT current_database(), pg_database_size(current_database()), current_setting('data_directory', true)",
                row -> {
                    databaseSize.add(row.getDouble(2), "datname", row.getString(1));
                    dataDirectorySetting[0] = row.getString(3);
                });
        databaseSize.publish();
        // Sizing a relation takes ACCESS SHARE: skip the ones an ACCESS EXCLUSIVE lock holds or
        // waits for (a migration, a DROP), so one locked table costs its size, not the round.
        Sql.forEachRow(c, LOCKED + "SELECT schemaname, relname,"
                + " CASE WHEN relid IN (SELECT relation FROM locked) OR EXISTS (SELECT 1 FROM pg_index i"
                + " WHERE i.indrelid = relid AND i.indexrelid IN (SELECT relation FROM locked)) THEN NULL"
                + " ELSE pg_total_relation_size(relid) END, n_live_tup, n_dead_tup, n_mod_since_analyze,"
                + " coalesce(extract(epoch FROM greatest(last_vacuum, last_autovacuum)), 0),"
                + " coalesce(extract(epoch FROM greatest(last_analyze, last_autoanalyze)), 0) FROM pg_stat_user_tables", row -> {
                    String[] labels = {"schemaname", row.getString(1), "relname", row.getString(2)};
                    double size = row.getDouble(3);
                    if (!row.wasNull()) {
                        tableSize.add(size, labels);
                    }
                    liveTuples.add(row.getDouble(4), labels);
                    deadTuples.add(row.getDouble(5), labels);
                    modifiedSinceAnalyze.add(row.getDouble(6), labels);
                    lastVacuum.add(row.getDouble(7), labels);
                    lastAnalyze.add(row.getDouble(8), labels);
                });
        for (GaugeFamily family : new GaugeFamily[] {tableSize, liveTuples, deadTuples, modifiedSinceAnalyze, lastVacuum, lastAnalyze}) {
            family.publish();
        }
        Sql.forEachRow(c, LOCKED + "SELECT schemaname, relname, indexrelname, CASE WHEN indexrelid IN (SELECT relation FROM locked)"
                + " OR relid IN (SELECT relation FROM locked) THEN NULL ELSE pg_relation_size(indexrelid) END, idx_scan"
                + " FROM pg_stat_user_indexes", row -> {
                    String[] labels = {"schemaname", row.getString(1), "relname", row.getString(2), "indexrelname", row.getString(3)};
                    double size = row.getDouble(4);
                    if (!row.wasNull()) {
                        indexSize.add(size, labels);
                    }
                    indexScans.add(row.getDouble(5), labels);
                });
        indexSize.publish();
        indexScans.publish();

        Sql.forEachRow(c, "SELECT coalesce(sum(size), 0), count(*) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'", row -> {
            walSize.set(row.getDouble(1));
            walFiles.set(row.getDouble(2));
        });
        double position = Sql.number(c, "SELECT pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
                + " ELSE pg_current_wal_lsn() END, '0/0')");
        long now = System.nanoTime();
        walPosition.set(position);
        if (!Double.isNaN(previousWalPosition) && now > previousWalAt) {
            walRate.set(Math.max(0, position - previousWalPosition) / ((now - previousWalAt) / 1e9));
        }
        previousWalPosition = position;
        previousWalAt = now;

        // data_directory is readable by pg_monitor members; missing_ok gives NULL to anyone else.
        Optional<Path> directory = dataDirectory.or(() -> Optional.ofNullable(dataDirectorySetting[0]).map(Path::of));
        if (directory.isPresent() && Files.isDirectory(directory.get())) {
            try {
                FileStore store = Files.getFileStore(directory.get());
                diskFree.set(store.getUsableSpace());
                diskTotal.set(store.getTotalSpace());
            } catch (IOException e) {
                // Not visible from here (another host, or no permission): the family stays absent.
            }
        }
    }
}
