package io.cdcpipeline.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A hot-standby streaming replica of a {@link PostgresServer}, for read-replica routing tests.
 *
 * <p>The zonky bundle has no {@code pg_basebackup}, so the replica is made with PostgreSQL's
 * documented low-level base backup API while the primary keeps running: a physical replication
 * slot (so the primary keeps the WAL the replica needs), {@code pg_backup_start}, a file copy of
 * the data directory, {@code pg_backup_stop} whose label becomes {@code backup_label}, then
 * {@code standby.signal} and {@code primary_conninfo} (TLS, superuser certificate). Unlike
 * copying a stopped primary, other tests sharing the primary are not disturbed.
 */
public final class PostgresReplica implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresReplica.class);
    /** Files a base backup must not copy (PostgreSQL docs, "Making a Base Backup Using the Low Level API"). */
    private static final Set<String> SKIPPED_FILES = Set.of("postmaster.pid", "postmaster.opts", "epg-lock",
            "backup_label", "tablespace_map", "standby.signal", "recovery.signal");
    private static final Set<String> EMPTIED_DIRECTORIES = Set.of("pg_wal", "pg_replslot", "pg_stat_tmp",
            "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans");

    private final PostgresServer primary;
    private final Path workDir;
    private final Path dataDir;
    private final Path logFile;
    private final String slotName;
    private final int port;
    private volatile EmbeddedPostgres postgres;

    private PostgresReplica(PostgresServer primary, Path workDir, String slotName, int port) {
        this.primary = primary;
        this.workDir = workDir;
        this.dataDir = workDir.resolve("data");
        this.logFile = workDir.resolve("postgres.log");
        this.slotName = slotName;
        this.port = port;
    }

    static PostgresReplica start(PostgresServer primary, Path workDir) {
        long started = System.nanoTime();
        String slot = "testkit_" + workDir.getFileName().toString().replaceAll("[^a-z0-9]", "_");
        PostgresReplica replica = new PostgresReplica(primary, workDir, slot, FreePorts.find());
        replica.takeBaseBackup();
        replica.postgres = replica.launch();
        replica.awaitStreaming(Duration.ofSeconds(60));
        LOG.info("PostgreSQL replica of port {} ready on port {} in {} ms", primary.port(), replica.port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return replica;
    }

    private void takeBaseBackup() {
        try (Connection c = primary.superuserConnection("postgres"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_create_physical_replication_slot('" + slotName + "', true)");
            s.execute("SELECT pg_backup_start('" + slotName + "', true)");
            copyDataDirectory(primary.dataDirectory(), dataDir);
            try (ResultSet rs = s.executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)")) {
                rs.next();
                Files.writeString(dataDir.resolve("backup_label"), rs.getString(1), StandardCharsets.UTF_8);
            }
            String conninfo = String.join(" ",
                    "host=" + PostgresServer.HOST, "port=" + primary.port(), "user=" + PostgresServer.SUPERUSER,
                    "application_name=" + slotName,
                    "sslmode=verify-full",
                    "sslrootcert=" + primary.tls().caCertificate(),
                    "sslcert=" + primary.tls().client(PostgresServer.SUPERUSER).certificate(),
                    "sslkey=" + primary.tls().client(PostgresServer.SUPERUSER).privateKey());
            PostgresServer.appendConfig(dataDir, List.of(
                    "# --- testkit replica ---",
                    "primary_conninfo = '" + conninfo + "'",
                    "primary_slot_name = '" + slotName + "'",
                    "hot_standby = on",
                    "hot_standby_feedback = on",
                    // A replica cannot reserve logical slots for the kit's captures: keep it small.
                    "max_replication_slots = 20"));
            Files.writeString(dataDir.resolve("standby.signal"), "", StandardCharsets.UTF_8);
        } catch (SQLException e) {
            throw new IllegalStateException("base backup of " + primary + " failed", e);
        } catch (IOException e) {
            throw new UncheckedIOException("base backup of " + primary + " failed", e);
        }
    }

    private static void copyDataDirectory(Path source, Path target) throws IOException {
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path relative = source.relativize(dir);
                Files.createDirectories(target.resolve(relative));
                if (relative.getNameCount() == 1 && EMPTIED_DIRECTORIES.contains(relative.toString())) {
                    if (relative.toString().equals("pg_wal")) {
                        Files.createDirectories(target.resolve(relative).resolve("archive_status"));
                    }
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path relative = source.relativize(file);
                if (!(relative.getNameCount() == 1 && SKIPPED_FILES.contains(relative.toString()))) {
                    Files.copy(file, target.resolve(relative), StandardCopyOption.COPY_ATTRIBUTES);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                // Files may vanish while the primary runs (temp files): the WAL replay covers it.
                return FileVisitResult.CONTINUE;
            }
        });
        Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }

    private EmbeddedPostgres launch() {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPort(port)
                // zonky passes synchronous_commit=off on the command line (overriding postgresql.conf);
                // production runs with it on, and async commits delay both hint bits and logical decoding.
                .setServerConfig("synchronous_commit", "on")
                .setPGStartupWait(Duration.ofSeconds(60))
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        primary.superuserConnectProperties().forEach(builder::setConnectConfig);
        try {
            return builder.start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("replica did not start on port " + port
                    + ". Its log (" + logFile + ") ends with:\n" + Directories.tail(logFile, 30), e);
        }
    }

    private void awaitStreaming(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String sql = "SELECT count(*) FROM pg_stat_replication WHERE application_name = '" + slotName + "' AND state = 'streaming'";
        while (System.nanoTime() < deadline) {
            try (Connection c = primary.superuserConnection("postgres"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery(sql)) {
                if (rs.next() && rs.getInt(1) == 1) {
                    return;
                }
            } catch (SQLException e) {
                LOG.debug("waiting for replica streaming", e);
            }
            sleep(100);
        }
        throw new IllegalStateException("replica on port " + port + " did not start streaming within " + timeout
                + ". Its log ends with:\n" + Directories.tail(logFile, 30));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public int port() {
        return port;
    }

    public String host() {
        return PostgresServer.HOST;
    }

    public PostgresServer primary() {
        return primary;
    }

    /** JDBC URL of {@code database} on the replica, {@code verify-full}, no credentials. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + PostgresServer.HOST + ":" + port + "/" + database
                + "?sslmode=verify-full&sslrootcert=" + primary.tls().caCertificate();
    }

    public Connection superuserConnection(String database) throws SQLException {
        CertificateFiles cert = primary.tls().client(PostgresServer.SUPERUSER);
        return DriverManager.getConnection(jdbcUrl(database) + "&user=" + PostgresServer.SUPERUSER
                + "&sslcert=" + cert.certificate() + "&sslkey=" + cert.privateKey());
    }

    /** Pauses WAL replay, so the replica falls behind the primary (a lagging replica). */
    public void pauseReplay() {
        executeOnReplica("SELECT pg_wal_replay_pause()");
    }

    public void resumeReplay() {
        executeOnReplica("SELECT pg_wal_replay_resume()");
    }

    private void executeOnReplica(String sql) {
        try (Connection c = superuserConnection("postgres"); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on replica", e);
        }
    }

    /** Stops the replica (fast shutdown), keeping its data for {@link #start()}. */
    public synchronized void stop() {
        EmbeddedPostgres running = postgres;
        if (running == null) {
            return;
        }
        Optional<ProcessHandle> postmaster = Processes.fromPidFile(dataDir.resolve("postmaster.pid"));
        try {
            running.close();
        } catch (IOException e) {
            LOG.warn("pg_ctl stop failed for replica on port {}", port, e);
        }
        postmaster.ifPresent(p -> Processes.awaitExitOrKill(p, Duration.ofSeconds(30)));
        postgres = null;
    }

    public synchronized void start() {
        if (postgres == null) {
            postgres = launch();
        }
    }

    @Override
    public synchronized void close() {
        stop();
        if (primary.isRunning()) {
            try {
                // Otherwise the primary keeps WAL for a replica that is gone.
                primary.execute("postgres", "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                        + " WHERE slot_name = '" + slotName + "'");
            } catch (RuntimeException e) {
                LOG.warn("could not drop replica slot {}", slotName, e);
            }
        }
        Directories.deleteRecursively(workDir);
    }
}
