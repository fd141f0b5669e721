package io.cdcpipeline.common.service;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.config.ConfigurationException;

/**
 * The life of a service process: configuration → wiring → run → graceful shutdown.
 *
 * <p>A configuration error exits with code 2 and one message naming every bad variable; a failed
 * run loop exits with 1. SIGTERM / Ctrl-C only <em>signals</em> the loop to stop; the loop
 * finishes its batch, commits and returns, then resources are closed in reverse order and the
 * process exits 0.
 */
public final class ServiceRunner {

    /** How long a shutdown waits for the loop to finish its batch. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(ServiceRunner.class);

    /** Builds a service from the environment. */
    @FunctionalInterface
    public interface Factory {
        Service create(Map<String, String> env) throws Exception;
    }

    private ServiceRunner() {
    }

    public static void run(String name, Factory factory) {
        System.exit(runUntilStopped(name, factory, System.getenv(), true));
    }

    /** Like {@link #run} with the given environment, returning the exit code instead of exiting (for CLIs). */
    public static int runUntilStopped(String name, Factory factory, Map<String, String> env) {
        return runUntilStopped(name, factory, env, true, new PrintWriter(System.err, true));
    }

    /** The same, reporting bad settings on {@code err}. */
    public static int runUntilStopped(String name, Factory factory, Map<String, String> env, PrintWriter err) {
        return runUntilStopped(name, factory, env, true, err);
    }

    static int runUntilStopped(String name, Factory factory, Map<String, String> env, boolean hook) {
        return runUntilStopped(name, factory, env, hook, new PrintWriter(System.err, true));
    }

    /** Runs the service to its end; returns the exit code. {@code hook}: stop on SIGTERM. */
    static int runUntilStopped(String name, Factory factory, Map<String, String> env, boolean hook, PrintWriter err) {
        Service service;
        try {
            service = factory.create(env);
        } catch (ConfigurationException e) {
            err.println(name + ": " + e.getMessage());
            return 2;
        } catch (Exception e) {
            LOG.error("{} could not start: {}", name, e.getMessage(), e);
            return 1;
        }
        CountDownLatch finished = new CountDownLatch(1);
        Thread shutdownHook = new Thread(() -> {
            LOG.info("{}: stop requested, finishing the current batch", name);
            service.stop().run();
            try {
                if (!finished.await(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("{} did not stop within {}", name, SHUTDOWN_GRACE);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name + "-shutdown");
        if (hook) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        int code = 0;
        try {
            LOG.info("{} started", name);
            service.run().run();
            LOG.info("{} stopped", name);
        } catch (Exception e) {
            LOG.error("{} failed: {}", name, e.getMessage(), e);
            code = 1;
        } finally {
            closeAll(name, service.resources());
            finished.countDown();
        }
        return code;
    }

    private static void closeAll(String name, List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("{}: closing {} failed", name, resources.get(i), e);
            }
        }
    }
}
