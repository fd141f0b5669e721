package io.cdcpipeline.launcher;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.metrics.MetricsServer;
import io.cdcpipeline.common.service.Service;

/**
 * One of the pipeline's services running inside the launcher's JVM, on its own thread, exactly as
 * its own {@code main} wires it ({@link Service}): the launcher is a convenience, not a different
 * code path.
 */
final class EmbeddedService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedService.class);

    final String name;
    private final Service service;
    private final MetricsServer metrics;
    private final ExecutorService thread;
    private final Future<?> running;

    EmbeddedService(String name, Service service) {
        this.name = name;
        this.service = service;
        this.metrics = service.resources().stream().filter(MetricsServer.class::isInstance).map(MetricsServer.class::cast)
                .findFirst().orElseThrow(() -> new IllegalArgumentException(name + " has no metrics server"));
        this.thread = Executors.newSingleThreadExecutor(r -> new Thread(r, name));
        this.running = thread.submit(() -> {
            try {
                service.run().run();
            } catch (Exception e) {
                LOG.error("{} failed: {}", name, e.getMessage(), e);
            }
            return null;
        });
    }

    String metricsUrl() {
        return "http://127.0.0.1:" + metrics.port() + "/metrics";
    }

    /** Every readiness check of the service passes. */
    boolean ready() {
        var checks = metrics.readiness();
        return !checks.isEmpty() && checks.values().stream().allMatch(Boolean::booleanValue);
    }

    @Override
    public void close() {
        service.stop().run();
        try {
            running.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("{} did not stop cleanly: {}", name, e.toString());
        }
        thread.shutdownNow();
        var resources = service.resources();
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("{}: closing failed", name, e);
            }
        }
    }
}
