package io.cdcpipeline.capture;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.cdcpipeline.common.cli.ServiceCommand;
import io.cdcpipeline.common.metrics.MetricsServer;
import io.cdcpipeline.common.service.Service;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code cdc-capture}: streams committed changes from PostgreSQL to Kafka.
 * {@code cdc-capture snapshot <schema.table>...} asks the running capture for an incremental
 * snapshot of those tables (re-backfill).
 */
public final class CaptureService {

    private CaptureService() {
    }

    public static void main(String[] args) {
        System.exit(command(System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args));
    }

    /** {@code capture [snapshot TABLE...]}: the command tree of this service, reading {@code env}. */
    public static CommandLine command(Map<String, String> env, PrintWriter out, PrintWriter err) {
        return ServiceCommand.of("capture", "cdc-capture", "PostgreSQL changes, read from a logical replication slot over TLS,"
                + " to Kafka topics.", CaptureConfig.settings(), CaptureService::create, env, out, err, new Snapshot(env));
    }

    @Command(name = "snapshot", description = "Ask the running capture for an incremental snapshot of TABLEs (their"
            + " current rows, as op r, interleaved with the stream): for rows that existed before a table was captured.")
    static final class Snapshot implements Callable<Integer> {
        private final Map<String, String> env;

        @Parameters(arity = "1..*", paramLabel = "TABLE", description = "schema.table")
        List<String> tables;

        Snapshot(Map<String, String> env) {
            this.env = env;
        }

        @Override
        public Integer call() {
            return SnapshotRequest.run(env, tables.toArray(String[]::new));
        }
    }

    /** The running service, wired exactly as in production (the launcher uses this too). */
    public static Service create(Map<String, String> env) {
        CaptureConfig config = CaptureConfig.from(env);
        MetricsServer metrics = MetricsServer.start(config.metrics(), "cdc-capture");
        CaptureRunner runner = new CaptureRunner(config, metrics.registry());
        metrics.addReadinessCheck("streaming", runner::isStreaming);
        return Service.of(runner::run, runner::stop, metrics);
    }
}
