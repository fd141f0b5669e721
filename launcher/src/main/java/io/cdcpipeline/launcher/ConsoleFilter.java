package io.cdcpipeline.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * What reaches the terminal of {@code cdc-pipeline ...}: the pipeline's own INFO lines and every
 * other library's errors. Kafka clients' and Debezium's warnings (a topic whose leader is not
 * elected yet, a connection retried) mean nothing to a user at a terminal; they go to the log file
 * ({@link PipelineLog}). While the demo draws its status block, only errors reach the terminal.
 */
public final class ConsoleFilter extends Filter<ILoggingEvent> {

    private static volatile boolean errorsOnly;

    /** The demo's status block owns the terminal: only errors still reach it. */
    static void errorsOnly(boolean on) {
        errorsOnly = on;
    }

    @Override
    public FilterReply decide(ILoggingEvent event) {
        Level level = event.getLevel();
        if (level.isGreaterOrEqual(Level.ERROR)) {
            return FilterReply.NEUTRAL;
        }
        if (errorsOnly || !event.getLoggerName().startsWith("io.cdcpipeline") || !level.isGreaterOrEqual(Level.INFO)) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }
}
