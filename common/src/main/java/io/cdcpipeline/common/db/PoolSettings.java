package io.cdcpipeline.common.db;

import java.time.Duration;

/**
 * Sizes and timeouts of one priority pool.
 *
 * @param maxConnections    upper bound of the pool (the adaptive sizer moves below it)
 * @param minConnections    idle connections kept open, and the adaptive sizer's floor
 * @param idleTimeout       an idle connection above the minimum is closed after this
 * @param connectTimeout    TCP + TLS connect timeout of one new connection (pgjdbc connectTimeout)
 * @param acquireTimeout    how long a caller waits for a connection from the pool
 * @param statementTimeout  server-side statement_timeout of every session of this pool
 */
public record PoolSettings(int maxConnections, int minConnections, Duration idleTimeout, Duration connectTimeout,
                           Duration acquireTimeout, Duration statementTimeout) {
}
