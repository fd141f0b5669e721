package io.cdcpipeline.schema.monitor;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * One group of figures read from PostgreSQL. {@link MonitorExporter} calls each collector in its
 * own short read-only transaction with a statement and lock timeout, so one slow or failing
 * query costs only its own family.
 */
interface Collector {

    /** Short name, the {@code collector} label of the exporter's own metrics. */
    String name();

    /** Reads and publishes this collector's families. */
    void collect(Connection connection) throws SQLException;
}
