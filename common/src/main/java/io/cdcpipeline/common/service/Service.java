package io.cdcpipeline.common.service;

import java.util.List;

/**
 * A running service as {@link ServiceRunner} sees it: a blocking run loop, a way to ask it to
 * stop (finish the batch, commit), and the resources to close afterwards, in reverse order.
 */
public final class Service {

    /** The blocking main loop; returns after {@link #stop} was called, or throws when it fails. */
    @FunctionalInterface
    public interface RunLoop {
        void run() throws Exception;
    }

    private final RunLoop run;
    private final Runnable stop;
    private final List<AutoCloseable> resources;

    private Service(RunLoop run, Runnable stop, List<AutoCloseable> resources) {
        this.run = run;
        this.stop = stop;
        this.resources = resources;
    }

    /** {@code resources} are closed in reverse order after the loop returned. */
    public static Service of(RunLoop run, Runnable stop, AutoCloseable... resources) {
        return new Service(run, stop, List.of(resources));
    }

    public RunLoop run() {
        return run;
    }

    public Runnable stop() {
        return stop;
    }

    /** In the order given to {@link #of}; close them in reverse. */
    public List<AutoCloseable> resources() {
        return resources;
    }
}
