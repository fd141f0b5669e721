package io.cdcpipeline.common.db;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;

/**
 * Everything a service needs to reach PostgreSQL: the connection ({@link ConnectionSettings}),
 * one pool per {@link Priority}, retries, read replicas and adaptive sizing. Built only from
 * environment variables (the seed's names and defaults), validated once.
 */
public record DatabaseConfig(ConnectionSettings connection, Map<Priority, PoolSettings> pools, RetrySettings retry,
                             ReplicaSettings replicas, boolean adaptiveSizing, Duration adaptiveInterval) {

    public static final Setting<Integer> DB_MAX_CONNECTIONS = Setting.integer("DB_MAX_CONNECTIONS",
            "maximum size of each pool, unless DB_<PRIORITY>_MAX_CONNECTIONS says otherwise").withDefault("20").between(1, 10_000);
    public static final Setting<Integer> DB_MIN_CONNECTIONS = Setting.integer("DB_MIN_CONNECTIONS",
            "idle connections each pool keeps, unless DB_<PRIORITY>_MIN_CONNECTIONS says otherwise").withDefault("5").between(0, 10_000);
    public static final Setting<Duration> DB_IDLE_TIMEOUT = Setting.millis("DB_IDLE_TIMEOUT",
            "ms after which an idle connection above the minimum is closed").withDefault("30000");
    public static final Setting<Duration> DB_CONNECTION_TIMEOUT = Setting.millis("DB_CONNECTION_TIMEOUT",
            "ms to open one connection (TCP and TLS)").withDefault("2000");
    public static final Setting<Duration> DB_ACQUIRE_TIMEOUT = Setting.millis("DB_ACQUIRE_TIMEOUT",
            "ms a caller waits for a connection from its pool").withDefault("30000");
    public static final Setting<Integer> DB_RETRY_ATTEMPTS = Setting.integer("DB_RETRY_ATTEMPTS",
            "retries of a transient failure (connection lost, server restarting, serialization failure, deadlock)")
            .withDefault("3").between(0, 100);
    public static final Setting<Duration> DB_RETRY_DELAY = Setting.millis("DB_RETRY_DELAY",
            "ms before the first retry; doubles each time, with full jitter").withDefault("1000")
            .requiring(d -> d.toMillis() >= 1, "at least 1 ms");
    public static final Setting<Duration> DB_RETRY_MAX_DELAY = Setting.millis("DB_RETRY_MAX_DELAY",
            "ms cap of one retry delay").withDefault("30000");
    public static final Setting<String> DB_REPLICA_HOSTS = Setting.string("DB_REPLICA_HOSTS",
            "comma-separated host:port of read replicas (same database, roles and TLS settings); unset = none");
    public static final Setting<Duration> DB_REPLICA_MAX_LAG = Setting.millis("DB_REPLICA_MAX_LAG",
            "ms of replay lag above which reads avoid a replica").withDefault("5000");
    public static final Setting<Duration> DB_REPLICA_CHECK_INTERVAL = Setting.millis("DB_REPLICA_CHECK_INTERVAL",
            "ms between replica health and lag checks").withDefault("1000").requiring(d -> d.toMillis() >= 50, "at least 50 ms");
    public static final Setting<Duration> DB_READ_YOUR_WRITES_WINDOW = Setting.millis("DB_READ_YOUR_WRITES_WINDOW",
            "ms during which reads in the same context go to the primary after a write; 0 = off").withDefault("0");
    public static final Setting<Boolean> DB_ADAPTIVE_SIZING = Setting.bool("DB_ADAPTIVE_SIZING",
            "let each pool's maximum follow demand between its min and max").withDefault("true");
    public static final Setting<Duration> DB_ADAPTIVE_INTERVAL = Setting.millis("DB_ADAPTIVE_INTERVAL",
            "ms between adaptive sizing decisions").withDefault("1000").requiring(d -> d.toMillis() >= 50, "at least 50 ms");

    static Setting<Integer> maxConnections(Priority p) {
        return Setting.integer(p.variablePrefix() + "MAX_CONNECTIONS", "maximum size of the " + p.label() + " pool")
                .between(1, 10_000);
    }

    static Setting<Integer> minConnections(Priority p) {
        return Setting.integer(p.variablePrefix() + "MIN_CONNECTIONS", "idle connections of the " + p.label() + " pool")
                .between(0, 10_000);
    }

    static Setting<Duration> statementTimeout(Priority p) {
        return Setting.millis(p.variablePrefix() + "STATEMENT_TIMEOUT", "ms statement_timeout of " + p.label() + " sessions")
                .withDefault(Long.toString(p.defaultStatementTimeout().toMillis()));
    }

    /** Every variable, in reference order. */
    public static List<Setting<?>> settings() {
        List<Setting<?>> all = new ArrayList<>(ConnectionSettings.SETTINGS);
        all.addAll(List.of(DB_MAX_CONNECTIONS, DB_MIN_CONNECTIONS, DB_IDLE_TIMEOUT, DB_CONNECTION_TIMEOUT, DB_ACQUIRE_TIMEOUT));
        for (Priority p : Priority.values()) {
            all.addAll(List.of(maxConnections(p), minConnections(p), statementTimeout(p)));
        }
        all.addAll(List.of(DB_RETRY_ATTEMPTS, DB_RETRY_DELAY, DB_RETRY_MAX_DELAY, DB_REPLICA_HOSTS, DB_REPLICA_MAX_LAG,
                DB_REPLICA_CHECK_INTERVAL, DB_READ_YOUR_WRITES_WINDOW, DB_ADAPTIVE_SIZING, DB_ADAPTIVE_INTERVAL));
        return all;
    }

    /** Reads the database variables into {@code settings}; call {@link Settings#validate} after. */
    public static DatabaseConfig read(Settings settings, String applicationName) {
        ConnectionSettings connection = ConnectionSettings.read(settings, applicationName);
        Integer max = settings.required(DB_MAX_CONNECTIONS);
        Integer min = settings.required(DB_MIN_CONNECTIONS);
        Duration idle = settings.required(DB_IDLE_TIMEOUT);
        Duration connect = settings.required(DB_CONNECTION_TIMEOUT);
        Duration acquire = settings.required(DB_ACQUIRE_TIMEOUT);
        Map<Priority, PoolSettings> pools = new EnumMap<>(Priority.class);
        for (Priority p : Priority.values()) {
            Integer poolMax = settings.optional(maxConnections(p)).orElse(max);
            Integer poolMin = settings.optional(minConnections(p)).orElse(min);
            Duration timeout = settings.required(statementTimeout(p));
            if (poolMax != null && poolMin != null && poolMin > poolMax) {
                String minName = settings.raw(minConnections(p).name()) != null ? minConnections(p).name() : DB_MIN_CONNECTIONS.name();
                String maxName = settings.raw(maxConnections(p).name()) != null ? maxConnections(p).name() : DB_MAX_CONNECTIONS.name();
                settings.problem(minName + " (" + poolMin + ") exceeds " + maxName + " (" + poolMax + ")");
            }
            pools.put(p, new PoolSettings(poolMax == null ? 1 : poolMax, poolMin == null ? 0 : poolMin, idle, connect, acquire, timeout));
        }
        RetrySettings retry = new RetrySettings(orZero(settings.required(DB_RETRY_ATTEMPTS)), settings.required(DB_RETRY_DELAY),
                settings.required(DB_RETRY_MAX_DELAY));
        List<ReplicaSettings.HostPort> replicas = settings.optional(DB_REPLICA_HOSTS).map(text -> parseHosts(settings, text)).orElse(List.of());
        ReplicaSettings replicaSettings = new ReplicaSettings(replicas, settings.required(DB_REPLICA_MAX_LAG),
                settings.required(DB_REPLICA_CHECK_INTERVAL), settings.required(DB_READ_YOUR_WRITES_WINDOW));
        Boolean adaptive = settings.required(DB_ADAPTIVE_SIZING);
        return new DatabaseConfig(connection, Map.copyOf(pools), retry, replicaSettings, Boolean.TRUE.equals(adaptive),
                settings.required(DB_ADAPTIVE_INTERVAL));
    }

    public static DatabaseConfig fromEnv(Map<String, String> env, String applicationName) {
        Settings settings = new Settings(env);
        DatabaseConfig config = read(settings, applicationName);
        settings.validate("database");
        return config;
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }

    private static List<ReplicaSettings.HostPort> parseHosts(Settings settings, String text) {
        List<ReplicaSettings.HostPort> hosts = new ArrayList<>();
        for (String part : text.split(",")) {
            String item = part.trim();
            int colon = item.lastIndexOf(':');
            try {
                if (colon <= 0) {
                    throw new IllegalArgumentException();
                }
                int port = Integer.parseInt(item.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException();
                }
                hosts.add(new ReplicaSettings.HostPort(item.substring(0, colon), port));
            } catch (IllegalArgumentException e) {
                settings.problem(DB_REPLICA_HOSTS.name() + " entry '" + item + "' is invalid: expected host:port");
            }
        }
        return hosts;
    }

    public PoolSettings pool(Priority priority) {
        return pools.get(priority);
    }
}
