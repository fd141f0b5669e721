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
    final MetricsServer metrics;
    private final Service.RunLoop loop;
    private final Runnable stop;
    private final ExecutorService thread;
    private final Future<?> running;
    private final AutoCloseable[] resources;

    EmbeddedService(String name, MetricsServer metrics, Service.RunLoop loop, Runnable stop, AutoCloseable... resources) {
        this.name = name;
        this.metrics = metrics;
        this.loop = loop;
        this.stop = stop;
        this.resources = resources;
        this.thread = Executors.newSingleThreadExecutor(r -> new Thread(r, name));
        this.running = thread.submit(() -> {
            try {
                this.loop.run();
            } catch (Exception e) {
                LOG.error("{} failed: {}", name, e.getMessage(), e);
            }
            return null;
        });
    }

    String metricsUrl() {
        return "http://127.0.0.1:" + metrics.port() + "/metrics";
    }

    @Override
    public void close() {
        stop.run();
        try {
            running.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("{} did not stop cleanly: {}", name, e.toString());
        }
        thread.shutdownNow();
        for (int i = resources.length - 1; i >= 0; i--) {
            try {
                resources[i].close();
            } catch (Exception e) {
                LOG.warn("{}: closing failed", name, e);
            }
        }
        metrics.close();
    }
}
