package io.cdcpipeline.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL, Kafka and Redis as local processes, each on free ports, sharing one generated CA.
 * Each server starts the first time it is asked for; {@link #startAll()} starts the three in
 * parallel. {@link #close()} stops every process it started and deletes every file.
 *
 * <p>Tests use the one instance per JVM from {@link #shared()}; the launcher creates its own.
 *
 * <p>{@code TESTKIT_INFRA} selects the kind of infrastructure. Only {@code local} (the default)
 * is implemented: there is no Docker engine on our machines, so the Testcontainers variant is
 * left out rather than shipped untested.
 */
public final class EmbeddedInfrastructure implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedInfrastructure.class);
    private static volatile EmbeddedInfrastructure shared;

    private final Path root;
    private final TlsMaterial tls;
    private PostgresServer postgres;
    private KafkaBroker kafka;
    private RedisServer redis;
    private boolean closed;
    private List<String> postgresSettings = List.of();

    private EmbeddedInfrastructure(Path root) {
        this.root = root;
        this.tls = TlsMaterial.generate(root.resolve("tls"));
    }

    /** A new, empty set of servers working in a fresh temporary directory. */
    public static EmbeddedInfrastructure create() {
        checkInfraMode();
        return new EmbeddedInfrastructure(Directories.createTemp("cdc-testkit-"));
    }

    /**
     * The servers of this JVM, started on first use and stopped when the JVM exits. Tests isolate
     * themselves by database ({@link PostgresServer#createDatabase}), topic
     * ({@link KafkaTopics#uniqueName}) and key prefix ({@link RedisServer#newKeyPrefix}).
     */
    public static EmbeddedInfrastructure shared() {
        EmbeddedInfrastructure instance = shared;
        if (instance == null) {
            synchronized (EmbeddedInfrastructure.class) {
                instance = shared;
                if (instance == null) {
                    instance = create();
                    EmbeddedInfrastructure toClose = instance;
                    Runtime.getRuntime().addShutdownHook(new Thread(toClose::close, "testkit-shutdown"));
                    shared = instance;
                }
            }
        }
        return instance;
    }

    private static void checkInfraMode() {
        String mode = System.getenv().getOrDefault("TESTKIT_INFRA", "local");
        if (!mode.equals("local")) {
            throw new IllegalStateException("TESTKIT_INFRA=" + mode + " is not supported: only 'local' (servers started"
                    + " from Maven artifacts and redis-server) is implemented. Unset TESTKIT_INFRA.");
        }
    }

    /**
     * Extra {@code postgresql.conf} lines for the PostgreSQL this set starts (before it starts):
     * the benchmarks size it like a server, the tests keep the defaults.
     */
    public synchronized EmbeddedInfrastructure withPostgresSettings(String... lines) {
        if (postgres != null) {
            throw new IllegalStateException("PostgreSQL is already running: settings must come before it starts");
        }
        postgresSettings = List.of(lines);
        return this;
    }

    public TlsMaterial tls() {
        return tls;
    }

    public synchronized PostgresServer postgres() {
        ensureOpen();
        if (postgres == null) {
            postgres = PostgresServer.start(root.resolve("postgres"), tls, postgresSettings);
        }
        return postgres;
    }

    public synchronized KafkaBroker kafka() {
        ensureOpen();
        if (kafka == null) {
            kafka = KafkaBroker.start(root.resolve("kafka"), tls);
        }
        return kafka;
    }

    public synchronized RedisServer redis() {
        ensureOpen();
        if (redis == null) {
            redis = RedisServer.start(root.resolve("redis"));
        }
        return redis;
    }

    /** Starts PostgreSQL, Kafka and Redis in parallel and returns when all three are ready. */
    public EmbeddedInfrastructure startAll() {
        List<CompletableFuture<?>> starts = new ArrayList<>();
        for (Supplier<?> server : List.<Supplier<?>>of(this::startPostgres, this::startKafka, this::startRedis)) {
            starts.add(CompletableFuture.supplyAsync(server));
        }
        try {
            CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            close();
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        return this;
    }

    // Started outside the monitor so the three servers come up in parallel.
    private PostgresServer startPostgres() {
        PostgresServer started = PostgresServer.start(root.resolve("postgres"), tls, postgresSettings);
        return adopt(() -> postgres, s -> postgres = s, started);
    }

    private KafkaBroker startKafka() {
        KafkaBroker started = KafkaBroker.start(root.resolve("kafka"), tls);
        return adopt(() -> kafka, s -> kafka = s, started);
    }

    private RedisServer startRedis() {
        RedisServer started = RedisServer.start(root.resolve("redis"));
        return adopt(() -> redis, s -> redis = s, started);
    }

    private synchronized <T extends AutoCloseable> T adopt(Supplier<T> current, java.util.function.Consumer<T> set, T started) {
        if (closed || current.get() != null) {
            closeQuietly(started);
            if (closed) {
                throw new IllegalStateException("infrastructure closed while starting");
            }
            return current.get();
        }
        set.accept(started);
        return started;
    }

    /** Every process the kit started that is still alive (for leak checks). */
    public synchronized List<ProcessHandle> processes() {
        List<ProcessHandle> all = new ArrayList<>();
        if (postgres != null) {
            all.addAll(postgres.processes());
        }
        if (kafka != null) {
            all.addAll(kafka.processes());
        }
        if (redis != null) {
            all.addAll(redis.processes());
        }
        return all;
    }

    public Path root() {
        return root;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("infrastructure in " + root + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(redis);
        closeQuietly(kafka);
        closeQuietly(postgres);
        Directories.deleteRecursively(root);
        LOG.info("testkit infrastructure in {} stopped", root);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.warn("failed to stop {}", closeable, e);
        }
    }
}
