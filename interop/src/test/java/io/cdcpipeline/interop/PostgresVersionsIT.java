package io.cdcpipeline.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.cdcpipeline.audit.AuditSinkService;
import io.cdcpipeline.audit.checkpoint.LocalCheckpoints;
import io.cdcpipeline.capture.CaptureFixture;
import io.cdcpipeline.common.service.ServiceThread;
import io.cdcpipeline.schema.Migrator;
import io.cdcpipeline.schema.Role;
import io.cdcpipeline.schema.SchemaConfig;
import io.cdcpipeline.schema.VerificationReport;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.PostgresServer;
import io.cdcpipeline.testkit.TestDatabase;
import io.cdcpipeline.testkit.oracle.AuditComparison;
import io.cdcpipeline.testkit.oracle.TruthRecorder;

/**
 * Every supported PostgreSQL besides the test kit's own 17 (which every other test runs on): the
 * migrations (by a superuser, and by a CREATEROLE role that is not one, as on a managed service),
 * then capture and audit-sink against a seeded workload with COPY, key changes, deletes and a
 * TRUNCATE, compared with the oracle. The binaries are zonky's for that version, unpacked by the
 * build (interop/pom.xml).
 */
class PostgresVersionsIT {

    private static final Map<String, PostgresServer> SERVERS = new ConcurrentHashMap<>();

    @AfterAll
    static void stop() {
        SERVERS.values().forEach(PostgresServer::close);
    }

    /**
     * A server of {@code version} for one {@code purpose}: roles are cluster-wide, and a managed
     * service's first migration finds none of ours.
     */
    private static PostgresServer server(int version, String purpose) {
        return SERVERS.computeIfAbsent(version + "-" + purpose, key -> {
            int v = version;
            // 17 is the test kit's own version, from the class path.
            Path binaries = v == 17 ? null
                    : Path.of("target", "postgres", Integer.toString(v), "postgres-linux-x86_64.txz").toAbsolutePath();
            PostgresServer server = PostgresServer.start(Path.of("target", "pg" + v + "-" + System.nanoTime()).toAbsolutePath(),
                    EmbeddedInfrastructure.shared().tls(), List.of(), binaries);
            try (Connection c = server.superuserConnection("postgres"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW server_version_num")) {
                rs.next();
                assertThat(rs.getInt(1) / 10000).as("the server's major version").isEqualTo(v);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
            return server;
        });
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {15, 16})
    void shouldMigrateCaptureAndAuditExactly(int version) throws Exception {
        CaptureFixture f = CaptureFixture.create("pg" + version, server(version, "pipeline"));
        try (Connection c = f.db.superuserConnection()) {
            TruthRecorder.install(c);
        }
        try (Connection analytics = DriverManager.getConnection(f.db.jdbcUrl(), "analytics_user", CaptureFixture.PASSWORD);
             Statement s = analytics.createStatement()) {
            // Before 17 analytics_user refreshes the view as its owner (MAINTAIN is 17's).
            s.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY analytics.article_analytics");
        }
        try (CaptureFixture.InProcess capture = f.startInProcess()) {
            capture.awaitStreaming();
            Map<String, String> env = new HashMap<>(f.serviceEnv(Role.AUDIT_USER));
            env.putAll(Map.of("KAFKA_TOPIC_PREFIX", f.prefix, "AUDIT_CONSUMER_GROUP", "pg" + version + "-" + f.prefix,
                    "KAFKA_REPLICATION_FACTOR", "1"));
            env.putAll(LocalCheckpoints.env(Path.of("target", "pg-checkpoints-" + f.prefix).toAbsolutePath()));
            try (ServiceThread sink = new ServiceThread("audit-sink", AuditSinkService.create(env))) {
                ContractWorkload.run(f, version);
                f.awaitPublished(Duration.ofSeconds(60));
                await("the audit log equals the oracle").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .untilAsserted(() -> {
                            try (Connection c = f.db.superuserConnection()) {
                                AuditComparison.Report report = new AuditComparison(AuditComparison.defaultNotCaptured(c)).compare(c);
                                assertThat(report.exact()).as(report.describe(10)).isTrue();
                                assertThat(report.expected()).isGreaterThan(1000);
                            }
                        });
            }
        }
    }

    /**
     * A managed service's shape: the migrating role has CREATEROLE (and, from 16 on, REPLICATION to
     * pass on to cdc_user) and pg_monitor WITH ADMIN OPTION, but is no superuser; it owns the
     * database; the provider has installed pg_stat_statements. On 15 only a superuser can give cdc_user REPLICATION (the provider's
     * replication role does it there), which this test does beforehand.
     */
    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {15, 16, 17})
    void shouldMigrateAsARoleThatIsNoSuperuser(int version) throws Exception {
        PostgresServer server = server(version, "managed");
        String database = "managed_" + version + "_" + System.nanoTime() % 100000;
        String migrator = "migrator_" + version + "_" + System.nanoTime() % 100000;
        try (Connection c = server.superuserConnection("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + migrator + " LOGIN CREATEROLE" + (version >= 16 ? " REPLICATION" : "")
                    + " PASSWORD 'migrator-password'");
            s.execute("CREATE DATABASE " + database + " OWNER " + migrator);
            // As RDS's rds_superuser holds it: the administrator may hand pg_monitor on.
            s.execute("GRANT pg_monitor TO " + migrator + " WITH ADMIN OPTION");
            if (version == 15) {
                s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cdc_user') THEN"
                        + " CREATE ROLE cdc_user LOGIN REPLICATION; END IF; END $$");
            }
        }
        try (Connection c = server.superuserConnection(database); Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        }
        TestDatabase db = new TestDatabase(server, database);
        Map<String, String> env = new HashMap<>(db.passwordEnv(migrator, "migrator-password"));
        for (Role role : Role.values()) {
            if (role != Role.CDC_USER) {
                env.put(role.passwordSetting().name(), CaptureFixture.PASSWORD);
            }
        }
        // On 15 cdc_user may be the administrator's (created above for its REPLICATION): taken over knowingly.
        VerificationReport report = new Migrator(SchemaConfig.from(env)).migrate(Optional.empty(), true);

        assertThat(report.ok()).as(report.toString()).isTrue();
        try (Connection c = server.superuserConnection(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")) {
            rs.next();
            assertThat(rs.getBoolean(1)).as("the check above ran as the superuser").isTrue();
        }
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), migrator, "migrator-password");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")) {
            rs.next();
            assertThat(rs.getBoolean(1)).as("the migrating role").isFalse();
        }
    }
}
