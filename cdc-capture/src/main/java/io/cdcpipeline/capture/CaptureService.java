package io.cdcpipeline.capture;

import java.util.Arrays;

import io.cdcpipeline.common.metrics.MetricsServer;
import io.cdcpipeline.common.service.Service;
import io.cdcpipeline.common.service.ServiceRunner;

/**
 * {@code cdc-capture}: streams committed changes from PostgreSQL to Kafka.
 * {@code cdc-capture snapshot <schema.table>...} asks the running capture for an incremental
 * snapshot of those tables (re-backfill).
 */
public final class CaptureService {

    private CaptureService() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("snapshot")) {
            System.exit(SnapshotRequest.run(System.getenv(), Arrays.copyOfRange(args, 1, args.length)));
        }
        ServiceRunner.run("cdc-capture", CaptureService::create);
    }

    /** The running service, wired exactly as in production (the launcher uses this too). */
    public static Service create(java.util.Map<String, String> env) {
        CaptureConfig config = CaptureConfig.from(env);
        MetricsServer metrics = MetricsServer.start(config.metrics(), "cdc-capture");
        CaptureRunner runner = new CaptureRunner(config, metrics.registry());
        metrics.addReadinessCheck("streaming", runner::isStreaming);
        return Service.of(runner::run, runner::stop, metrics);
    }
}
