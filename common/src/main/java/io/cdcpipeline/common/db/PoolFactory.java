package io.cdcpipeline.common.db;

import java.time.Duration;
import java.util.Properties;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.MeterRegistry;

/** Builds HikariCP pools and their retry policy from typed settings. */
final class PoolFactory {

    /** Hikari refuses idle timeouts below 10 s. */
    private static final Duration MIN_IDLE_TIMEOUT = Duration.ofSeconds(10);
    /** Full jitter: each delay is drawn from [0, 2 × the exponential delay]. */
    private static final double RANDOMIZATION = 1.0;
    private static final double MULTIPLIER = 2.0;

    private PoolFactory() {
    }

    static HikariDataSource dataSource(ConnectionSettings connection, PoolSettings pool, String poolName, MeterRegistry registry) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(poolName);
        config.setJdbcUrl(connection.jdbcUrl());
        Properties props = connection.driverProperties();
        props.setProperty("ApplicationName", poolName);
        // pgjdbc takes seconds; never 0 (= wait forever).
        props.setProperty("connectTimeout", Long.toString(Math.max(1, pool.connectTimeout().toSeconds())));
        props.setProperty("loginTimeout", Long.toString(Math.max(1, pool.connectTimeout().toSeconds())));
        props.setProperty("reWriteBatchedInserts", "true");
        props.setProperty("options", "-c statement_timeout=" + pool.statementTimeout().toMillis());
        config.setDataSourceProperties(props);
        config.setMaximumPoolSize(pool.maxConnections());
        config.setMinimumIdle(pool.minConnections());
        config.setIdleTimeout(Math.max(pool.idleTimeout().toMillis(), MIN_IDLE_TIMEOUT.toMillis()));
        config.setConnectionTimeout(Math.max(250, pool.acquireTimeout().toMillis()));
        config.setValidationTimeout(Math.max(250, Math.min(5000, pool.connectTimeout().toMillis())));
        // Start even when the database is down: callers retry, and readiness reports it.
        config.setInitializationFailTimeout(-1);
        config.setRegisterMbeans(false);
        config.setAllowPoolSuspension(false);
        if (registry != null) {
            config.setMetricRegistry(registry);
        }
        return new HikariDataSource(config);
    }

    static Retry retry(String name, RetrySettings settings, RetryRegistry registry) {
        RetryConfig config = RetryConfig.custom()
                .maxAttempts(settings.attempts() + 1)
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(settings.initialDelay(), MULTIPLIER,
                        RANDOMIZATION, settings.maxDelay()))
                .retryOnException(TransientErrors::isTransient)
                .failAfterMaxAttempts(false)
                .build();
        return registry.retry(name, config);
    }
}
