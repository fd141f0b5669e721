package io.cdcpipeline.bench;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.cdcpipeline.common.service.Service;

/** Runs a service (from its production factory) on a thread of the benchmark's JVM. */
final class ServiceInProcess implements AutoCloseable {

    private final Service service;
    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    private final Future<?> running;

    ServiceInProcess(Service service) {
        this.service = service;
        this.running = thread.submit(() -> {
            service.run().run();
            return null;
        });
    }

    @Override
    public void close() throws Exception {
        service.stop().run();
        try {
            running.get(60, TimeUnit.SECONDS);
        } finally {
            thread.shutdownNow();
            List<AutoCloseable> resources = service.resources();
            for (int i = resources.size() - 1; i >= 0; i--) {
                resources.get(i).close();
            }
        }
    }
}
