package io.cdcpipeline.launcher;

import java.nio.file.Path;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;

/**
 * The full log of a local run ({@code up}, {@code demo}): everything the loggers let through,
 * third-party warnings included, in one file the command names at start. The terminal gets a
 * filtered view ({@link ConsoleFilter}). The file is rewritten by each run and kept after it, so a
 * user can read it after Ctrl-C.
 */
final class PipelineLog {

    private PipelineLog() {
    }

    /** The default file: {@code cdc-pipeline.log} in the temporary directory. */
    static Path defaultFile() {
        return Path.of(System.getProperty("java.io.tmpdir"), "cdc-pipeline.log");
    }

    /** Adds {@code file} to the root logger; a no-op when logging is not logback (embedded in a test, say). */
    static void writeTo(Path file) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName("FILE");
        appender.setFile(file.toString());
        appender.setAppend(false);
        appender.setEncoder(encoder);
        appender.start();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
    }
}
