package io.cdcpipeline.common.service;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.metrics.MetricsServer;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A {@link Service} running on a thread of this JVM, wired exactly as its own {@code main} wires
 * it: how the launcher embeds every service, and how tests and benchmarks run one. {@link #close()}
 * stops it as SIGTERM would (finish the batch, commit) and closes its resources.
 */
public final class ServiceThread implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceThread.class);

    private final String name;
    private final Service service;
    private final ExecutorService thread;
    private final Future<?> running;
    private boolean closed;

    public ServiceThread(String name, Service service) {
        this.name = name;
        this.service = service;
        this.thread = Executors.newSingleThreadExecutor(r -> new Thread(r, name));
        this.running = thread.submit(() -> {
            try {
                service.run().run();
            } catch (Exception e) {
                LOG.error("{} failed: {}", name, e.getMessage(), e);
                throw e;
            }
            return null;
        });
    }

    public String name() {
        return name;
    }

    /** The service's metrics server (every service has one). */
    public MetricsServer metrics() {
        return service.resources().stream().filter(MetricsServer.class::isInstance).map(MetricsServer.class::cast).findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " has no metrics server"));
    }

    public MeterRegistry registry() {
        return metrics().registry();
    }

    /** Every readiness check of the service passes. */
    public boolean ready() {
        var checks = metrics().readiness();
        return !checks.isEmpty() && checks.values().stream().allMatch(Boolean::booleanValue);
    }

    /** True once the run loop returned or failed. */
    public boolean finished() {
        return running.isDone();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        service.stop().run();
        try {
            running.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("{} did not stop cleanly: {}", name, e.toString());
        }
        thread.shutdownNow();
        List<AutoCloseable> resources = service.resources();
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("{}: closing a resource failed", name, e);
            }
        }
    }
}
