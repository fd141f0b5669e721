package io.cdcpipeline.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.cdcpipeline.schema.Migrator;
import io.cdcpipeline.schema.Role;
import io.cdcpipeline.schema.SchemaConfig;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.TestDatabase;

/** A migrated database on the benchmark's own embedded servers. */
public final class BenchDatabase {

    public static final String PASSWORD = "bench-only-password";

    /**
     * The audit benchmark's PostgreSQL is sized like a small write-heavy server rather than with the
     * defaults (128 MB of shared buffers, a checkpoint every GB of WAL), which make every backend
     * evict dirty pages itself a few seconds into a bulk load. Baselines run on the same server.
     */
    public static final String[] SERVER_SETTINGS = {
            "shared_buffers = '1GB'",
            "max_wal_size = '8GB'",
            "min_wal_size = '1GB'",
            "checkpoint_timeout = '15min'",
            "wal_buffers = '64MB'",
            // PostgreSQL's default (the test kit's 10 s makes tests fast): bench e2e freezes capture while it
            // commits a backlog, and a pause longer than this ends the replication connection.
            "wal_sender_timeout = '60s'",
            // bench e2e's idle slot (ours', while stock runs) holds all of stock's part.
            "max_slot_wal_keep_size = '8GB'"};

    private BenchDatabase() {
    }

    /**
     * cdc-capture's environment on the benchmark's servers, as {@code cdc_user} with its certificate:
     * topics {@code <prefix>.*}, slot {@code slot_<prefix>} (made by the benchmark before its
     * workload, so nothing is snapshotted), single-broker replication, metrics on a free port.
     */
    public static Map<String, String> captureEnv(EmbeddedInfrastructure infra, TestDatabase db, String prefix) {
        Map<String, String> env = new HashMap<>(db.certificateEnv("cdc_user"));
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafka().bootstrapServers());
        env.put("KAFKA_TOPIC_PREFIX", prefix);
        env.put("CAPTURE_SLOT_NAME", "slot_" + prefix);
        env.put("CAPTURE_SNAPSHOT_MODE", "no_data");
        env.put("KAFKA_REPLICATION_FACTOR", "1");
        env.put("METRICS_BIND", "127.0.0.1");
        env.put("METRICS_PORT", "0");
        return env;
    }

    /**
     * cache-invalidator's environment on the benchmark's servers: topics {@code <topicPrefix>.*},
     * consumer group {@code group}, Redis keys under {@code keyPrefix}, metrics on a free port.
     */
    public static Map<String, String> cacheEnv(EmbeddedInfrastructure infra, String topicPrefix, String group, String keyPrefix) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafka().bootstrapServers());
        env.put("REDIS_URL", infra.redis().url());
        env.put("KAFKA_TOPIC_PREFIX", topicPrefix);
        env.put("CACHE_CONSUMER_GROUP", group);
        env.put("CACHE_KEY_PREFIX", keyPrefix);
        env.put("KAFKA_REPLICATION_FACTOR", "1");
        env.put("METRICS_BIND", "127.0.0.1");
        env.put("METRICS_PORT", "0");
        return env;
    }

    /**
     * analytics-aggregator's environment on the benchmark's servers, as {@code analytics_user}:
     * topics {@code <topicPrefix>.*}, Kafka Streams application {@code applicationId} with its
     * local state in {@code stateDir}, metrics on a free port.
     */
    public static Map<String, String> analyticsEnv(EmbeddedInfrastructure infra, TestDatabase db, String topicPrefix,
                                                   String applicationId, Path stateDir) {
        Map<String, String> env = new HashMap<>(db.passwordEnv("analytics_user", PASSWORD));
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafka().bootstrapServers());
        env.put("KAFKA_TOPIC_PREFIX", topicPrefix);
        env.put("ANALYTICS_APPLICATION_ID", applicationId);
        env.put("ANALYTICS_STATE_DIR", stateDir.toString());
        env.put("KAFKA_REPLICATION_FACTOR", "1");
        env.put("METRICS_BIND", "127.0.0.1");
        env.put("METRICS_PORT", "0");
        return env;
    }

    /** How many WAL segments lie ready (recycled) ahead of the insert position. */
    static final String SEGMENTS_AHEAD = "SELECT count(*) FROM pg_ls_waldir()"
            + " WHERE name ~ '^[0-9A-F]{24}$' AND name > pg_walfile_name(pg_current_wal_lsn())";

    /**
     * The WAL a measurement runs on, said on standard output: {@code freshWal}, the fresh
     * cluster's as it is; otherwise {@link #recycleWal} of {@code megabytes}. Call it before any
     * slot of the measurement exists, so no decoder reads the filler.
     */
    static void prepareWal(TestDatabase db, int megabytes, boolean freshWal) throws SQLException {
        if (freshWal) {
            System.out.println("WAL: the fresh cluster's, every new segment zero-filled by the backend that needs it (--fresh-wal)");
        } else {
            System.out.printf(Locale.ROOT, "WAL: %d segments recycled ahead of the insert position, as on a server past its first"
                    + " checkpoints%n", recycleWal(db, megabytes));
        }
    }

    /**
     * Makes a fresh cluster's WAL look like that of a server that has run through checkpoints.
     * A fresh cluster has no old segments, so the backend whose commit first needs a new 16 MB
     * segment creates it by writing zeros ({@code IO:WalInitWrite}: 30-40 ms every few seconds at
     * 2,000 updates/s, and every commit behind it waits); a running server renames segments the
     * last checkpoint no longer needs (recycling, up to {@code min_wal_size}). Writes
     * {@code megabytes} of WAL as logical messages, which touch no table (call it before any slot
     * of the measurement exists, so no decoder reads them), then checkpoints; returns how many
     * segments lie ready ahead of the insert position.
     */
    private static int recycleWal(TestDatabase db, int megabytes) throws SQLException {
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT count(pg_logical_emit_message(false, 'bench-wal-filler', repeat('x', 1048576)))"
                    + " FROM generate_series(1, " + megabytes + ")");
            s.execute("SELECT pg_switch_wal()");
            s.execute("CHECKPOINT");
            try (ResultSet rs = s.executeQuery(SEGMENTS_AHEAD)) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    public static TestDatabase create(EmbeddedInfrastructure infra, String name) throws Exception {
        TestDatabase db = infra.postgres().createDatabase(name);
        Map<String, String> env = new HashMap<>(db.superuserEnv());
        for (Role role : Role.values()) {
            if (role != Role.CDC_USER) {
                env.put(role.passwordSetting().name(), PASSWORD);
            }
        }
        if (!new Migrator(SchemaConfig.from(env)).migrate(Optional.empty()).ok()) {
            throw new IllegalStateException("schema verification failed");
        }
        return db;
    }
}
