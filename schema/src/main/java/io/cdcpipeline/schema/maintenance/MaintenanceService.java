package io.cdcpipeline.schema.maintenance;

import java.time.Duration;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.metrics.MetricsServer;
import io.cdcpipeline.common.service.Periodic;
import io.cdcpipeline.common.service.Service;
import io.cdcpipeline.schema.SchemaConfig;

/**
 * {@code schema maintain --every DURATION}: a run now, then one every DURATION (measured from the
 * end of the previous, so runs never overlap), with the maintenance metrics on {@code /metrics}.
 * Several hosts may run it: the advisory lock lets one of them work at a time.
 */
public final class MaintenanceService {

    private static final Logger LOG = LoggerFactory.getLogger(MaintenanceService.class);

    private MaintenanceService() {
    }

    public static Service create(Map<String, String> env, Duration every) {
        MaintenanceConfig config = MaintenanceConfig.from(env);
        SchemaConfig schemaConfig = SchemaConfig.from(env);
        MetricsServer metrics = MetricsServer.start(config.metrics(), "db-maintain");
        Maintainer maintainer = new Maintainer(config, schemaConfig, metrics.registry());
        metrics.addReadinessCheck("scheduled", () -> true);
        Runnable runOnce = () -> {
            try {
                maintainer.runOnce();
            } catch (Exception e) {
                // A database outage: this run is lost, the next one tries again.
                LOG.warn("maintain run failed: {}", e.getMessage());
                metrics.registry().counter("maintenance.runs", "outcome", "error").increment();
            }
        };
        return Periodic.every(every, "db-maintain", runOnce, metrics);
    }
}
