package io.cdcpipeline.common.db;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A unit of database work on one connection. When it runs through a retrying method it may run
 * more than once, so it must be safe to repeat (idempotent writes, or reads).
 *
 * @param <T> its result
 */
@FunctionalInterface
public interface SqlWork<T> {
    T apply(Connection connection) throws SQLException;
}
