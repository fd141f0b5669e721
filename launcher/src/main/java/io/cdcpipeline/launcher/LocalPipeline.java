package io.cdcpipeline.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cdcpipeline.analytics.AnalyticsService;
import io.cdcpipeline.audit.AuditSinkService;
import io.cdcpipeline.audit.checkpoint.LocalCheckpoints;
import io.cdcpipeline.cache.CacheInvalidatorService;
import io.cdcpipeline.cache.LeasedCache;
import io.cdcpipeline.capture.CaptureService;
import io.cdcpipeline.common.db.Database;
import io.cdcpipeline.common.db.DatabaseConfig;
import io.cdcpipeline.common.db.Priority;
import io.cdcpipeline.common.service.ServiceThread;
import io.cdcpipeline.launcher.demo.DemoSession;
import io.cdcpipeline.launcher.demo.DemoWorkload;
import io.cdcpipeline.schema.Migrator;
import io.cdcpipeline.schema.Role;
import io.cdcpipeline.schema.SchemaConfig;
import io.cdcpipeline.schema.VerificationReport;
import io.cdcpipeline.schema.maintenance.MaintenanceService;
import io.cdcpipeline.schema.monitor.MonitorService;
import io.cdcpipeline.testkit.CertificateFiles;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.PostgresServer;
import io.cdcpipeline.testkit.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import redis.clients.jedis.RedisClient;

/**
 * The whole pipeline on one machine: embedded PostgreSQL (TLS, logical replication), a Kafka
 * broker in a child JVM, Redis, the migrated schema, and (as they are built) every service.
 * {@link #close()} stops all of it and deletes its files.
 */
public final class LocalPipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalPipeline.class);
    static final String DATABASE = "blog";
    /** The demo's random choices: the same run twice gives the same sequence of actions. */
    private static final long DEMO_SEED = 20261203L;

    private final EmbeddedInfrastructure infrastructure;
    private final TestDatabase database;
    private final Map<Role, String> passwords;
    private final Path passwordFile;
    private final java.util.List<ServiceThread> services = new java.util.ArrayList<>();
    private final java.util.List<AutoCloseable> demo = new java.util.ArrayList<>();
    /** The demo application's connections (closed first at the demo's end, so PostgreSQL's statistics are final). */
    private Database demoDatabase;

    private LocalPipeline(EmbeddedInfrastructure infrastructure, TestDatabase database, Map<Role, String> passwords, Path passwordFile) {
        this.infrastructure = infrastructure;
        this.database = database;
        this.passwords = passwords;
        this.passwordFile = passwordFile;
    }

    public static LocalPipeline start() {
        long started = System.nanoTime();
        EmbeddedInfrastructure infrastructure = EmbeddedInfrastructure.create().startAll();
        try {
            infrastructure.postgres().execute("postgres", "CREATE DATABASE " + DATABASE);
            TestDatabase database = new TestDatabase(infrastructure.postgres(), DATABASE);
            Map<Role, String> passwords = randomPasswords();
            Path passwordFile = writePasswords(infrastructure.root().resolve("role-passwords.env"), passwords);
            migrate(database, passwords);
            LocalPipeline pipeline = new LocalPipeline(infrastructure, database, passwords, passwordFile);
            try {
                pipeline.startServices();
            } catch (Exception e) {
                pipeline.close();
                throw e instanceof RuntimeException r ? r : new IllegalStateException("cannot start the services", e);
            }
            LOG.info("local pipeline started in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return pipeline;
        } catch (RuntimeException | SQLException e) {
            infrastructure.close();
            throw e instanceof RuntimeException r ? r : new IllegalStateException("cannot migrate the local database", e);
        }
    }

    private static void migrate(TestDatabase database, Map<Role, String> passwords) throws SQLException {
        Map<String, String> env = new HashMap<>(database.superuserEnv());
        passwords.forEach((role, password) -> env.put(role.passwordSetting().name(), password));
        VerificationReport report = new Migrator(SchemaConfig.from(env)).migrate(Optional.empty());
        if (!report.ok()) {
            throw new IllegalStateException("schema verification failed: " + report);
        }
        LOG.info("schema migrated and {}", report);
    }

    /** Fresh random passwords for every role that logs in with one (cdc_user uses its certificate). */
    private static Map<Role, String> randomPasswords() {
        SecureRandom random = new SecureRandom();
        Map<Role, String> passwords = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            if (role != Role.CDC_USER) {
                byte[] bytes = new byte[18];
                random.nextBytes(bytes);
                passwords.put(role, HexFormat.of().formatHex(bytes));
            }
        }
        return passwords;
    }

    /** Passwords go to a 0600 file, never to the console or the log. */
    private static Path writePasswords(Path file, Map<Role, String> passwords) {
        StringBuilder text = new StringBuilder("# role passwords of this local run; deleted on exit\n");
        passwords.forEach((role, password) -> text.append(role.passwordSetting().name()).append('=').append(password).append('\n'));
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, text, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The checkpoint key pair of this run and its files, under its data directory (never in the repository). */
    private Map<String, String> checkpointEnv() {
        return LocalCheckpoints.env(infrastructure.root().resolve("audit-checkpoints"));
    }

    /** The environment a service would get in a deployment: this database, as {@code role}. */
    Map<String, String> serviceEnv(Role role) {
        Map<String, String> env = new HashMap<>(role == Role.CDC_USER
                ? database.certificateEnv(role.roleName())
                : database.passwordEnv(role.roleName(), passwords.get(role)));
        env.put("KAFKA_BOOTSTRAP_SERVERS", infrastructure.kafka().bootstrapServers());
        env.put("METRICS_BIND", "127.0.0.1");
        env.put("METRICS_PORT", "0");
        // One broker: topics cannot be replicated.
        env.put("KAFKA_REPLICATION_FACTOR", "1");
        env.put("ANALYTICS_REFRESH_INTERVAL", "10000");
        env.put("ANALYTICS_STATE_DIR", infrastructure.root().resolve("analytics-state").toString());
        env.put("REDIS_URL", infrastructure.redis().url());
        return env;
    }

    /** Every service, started through the same factory its own main uses. */
    private void startServices() throws Exception {
        ServiceThread capture = new ServiceThread("cdc-capture", CaptureService.create(serviceEnv(Role.CDC_USER)));
        services.add(capture);
        awaitReady("cdc-capture", capture::ready);
        Map<String, String> auditEnv = serviceEnv(Role.AUDIT_USER);
        auditEnv.putAll(checkpointEnv());
        ServiceThread audit = new ServiceThread("audit-sink", AuditSinkService.create(auditEnv));
        services.add(audit);
        ServiceThread analytics = new ServiceThread("analytics-aggregator",
                AnalyticsService.create(serviceEnv(Role.ANALYTICS_USER)));
        services.add(analytics);
        // cache-invalidator needs no database: Kafka and Redis only.
        Map<String, String> cacheEnv = new HashMap<>(serviceEnv(Role.APP_USER));
        cacheEnv.keySet().removeIf(name -> name.startsWith("DB_"));
        ServiceThread cache = new ServiceThread("cache-invalidator", CacheInvalidatorService.create(cacheEnv));
        services.add(cache);
        // The database exporter, as monitor_user (pg_monitor, no application data).
        Map<String, String> monitorEnv = serviceEnv(Role.MONITOR_USER);
        monitorEnv.put("MONITOR_INTERVAL", "5000");
        ServiceThread monitor = new ServiceThread("db-monitor", MonitorService.create(monitorEnv));
        services.add(monitor);
        // Maintenance as an operator would schedule it, with the migration credentials (it needs table ownership).
        Map<String, String> maintainEnv = new HashMap<>(database.superuserEnv());
        maintainEnv.put("METRICS_BIND", "127.0.0.1");
        maintainEnv.put("METRICS_PORT", "0");
        ServiceThread maintain = new ServiceThread("db-maintain", MaintenanceService.create(maintainEnv, Duration.ofMinutes(10)));
        services.add(maintain);
        // The audit log's chains verified on a schedule, as a role that may read the log (audit_user may not).
        services.add(new ServiceThread("audit-verify", AuditSinkService.scheduledVerification(verifyEnv(), Duration.ofMinutes(10))));
        awaitReady("audit-sink", audit::ready);
        awaitReady("analytics-aggregator", analytics::ready);
        awaitReady("cache-invalidator", cache::ready);
        awaitReady("db-monitor", monitor::ready);
    }

    /**
     * Starts the demo application ({@link DemoWorkload}) on its own: as app_user, reading through the
     * read-through cache, viewing, writing and editing articles. Stopped by {@link #close()}.
     */
    DemoWorkload startDemo(Duration tick) throws SQLException {
        return newDemoWorkload().start(tick);
    }

    /**
     * {@code cdc-pipeline demo}: the demo application with its status block on {@code out}, the
     * checks at the end reading this database, and the chains verified as {@code audit verify} would.
     */
    DemoSession startDemoSession(Duration tick, PrintStream out, boolean terminal) throws SQLException {
        DemoWorkload workload = newDemoWorkload();
        DemoSession session = new DemoSession(workload, new DemoSession.Pipeline(
                () -> services.stream().map(ServiceThread::registry).toList(), database::superuserConnection, demoDatabase,
                () -> AuditSinkService.command(verifyEnv(), new PrintWriter(out, true), new PrintWriter(System.err, true))
                        .execute("verify")), out, terminal);
        session.start(tick);
        return session;
    }

    private DemoWorkload newDemoWorkload() throws SQLException {
        if (!demo.isEmpty()) {
            throw new IllegalStateException("the demo runs already");
        }
        Map<String, String> env = serviceEnv(Role.APP_USER);
        env.put("DB_MIN_CONNECTIONS", "1");
        env.put("DB_MAX_CONNECTIONS", "4");
        Database db = Database.open(DatabaseConfig.fromEnv(env, "demo-workload"), new SimpleMeterRegistry(),
                java.util.EnumSet.of(Priority.STANDARD));
        demo.add(db);
        demoDatabase = db;
        RedisClient redis = RedisClient.create(infrastructure.redis().host(), infrastructure.redis().port());
        demo.add(redis);
        DemoWorkload workload = new DemoWorkload(db.standard(), new LeasedCache(redis, "", Duration.ofSeconds(5), true,
                new ObjectMapper()), DEMO_SEED);
        demo.add(workload);
        return workload;
    }

    /**
     * What {@code audit verify} needs to check this run's log (a superuser by certificate, the
     * checkpoint public key): file paths only, no secret. Also written to {@link #verifyEnvFile()}.
     */
    Map<String, String> verifyEnv() {
        Map<String, String> env = new HashMap<>(database.superuserEnv());
        env.putAll(checkpointEnv());
        env.put("KAFKA_BOOTSTRAP_SERVERS", infrastructure.kafka().bootstrapServers());
        env.put("METRICS_BIND", "127.0.0.1");
        env.put("METRICS_PORT", "0");
        return env;
    }

    /** {@link #verifyEnv()} as a shell file ({@code set -a; . FILE}), for a second terminal. */
    Path verifyEnvFile() {
        Path file = infrastructure.root().resolve("audit-verify.env");
        if (!Files.exists(file)) {
            StringBuilder text = new StringBuilder("# audit verify against this local run (file paths only); deleted on exit\n");
            new java.util.TreeMap<>(verifyEnv()).forEach((k, v) -> text.append(k).append("='").append(v).append("'\n"));
            try {
                Files.writeString(file, text, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return file;
    }

    private static void awaitReady(String name, java.util.function.BooleanSupplier ready) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!ready.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not become ready within 2 minutes");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting " + name, e);
            }
        }
    }

    public EmbeddedInfrastructure infrastructure() {
        return infrastructure;
    }

    public TestDatabase database() {
        return database;
    }

    String password(Role role) {
        return passwords.get(role);
    }

    /** What a person needs to connect, in display order. No secrets: file paths only. */
    public Map<String, String> endpoints() {
        PostgresServer pg = infrastructure.postgres();
        CertificateFiles superuser = pg.tls().client(PostgresServer.SUPERUSER);
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("PostgreSQL JDBC URL", pg.jdbcUrl(DATABASE));
        endpoints.put("PostgreSQL superuser", PostgresServer.SUPERUSER + " (client certificate below)");
        endpoints.put("role passwords", passwordFile + " (app_user, read_only_user, ...)");
        endpoints.put("CA certificate", pg.tls().caCertificate().toString());
        endpoints.put("superuser certificate", superuser.certificate().toString());
        endpoints.put("superuser key", superuser.privateKey().toString());
        endpoints.put("psql", "psql \"host=" + pg.host() + " port=" + pg.port() + " dbname=" + DATABASE
                + " user=" + PostgresServer.SUPERUSER + " sslmode=verify-full sslrootcert=" + pg.tls().caCertificate()
                + " sslcert=" + superuser.certificate() + " sslkey=" + superuser.privateKey() + "\"");
        endpoints.put("Kafka bootstrap", infrastructure.kafka().bootstrapServers());
        endpoints.put("Redis URL", infrastructure.redis().url());
        for (ServiceThread service : services) {
            endpoints.put(service.name() + " metrics", "http://127.0.0.1:" + service.metrics().port() + "/metrics");
        }
        return endpoints;
    }

    @Override
    public void close() {
        for (int i = demo.size() - 1; i >= 0; i--) {
            try {
                demo.get(i).close();
            } catch (Exception e) {
                LOG.warn("closing the demo workload: {}", e.toString());
            }
        }
        demo.clear();
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        services.clear();
        infrastructure.close();
    }
}
