package io.cdcpipeline.launcher;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cdc-pipeline up}: starts the local pipeline ({@link LocalPipeline}), prints its
 * endpoints and runs until Ctrl-C / SIGTERM, then stops every process and deletes every file.
 *
 * <p>Options: {@code --for <seconds>} stops by itself after that long (smoke tests, demos);
 * {@code --demo} also runs {@link DemoWorkload}, an application writing and reading through the cache.
 * The command line itself is {@link CdcPipelineCli}.
 */
public final class Launcher {

    private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);

    private Launcher() {
    }

    public static void main(String[] args) {
        CdcPipelineCli.main(args);
    }

    /** Runs the local pipeline until stopped (or for {@code runFor}); returns the exit code. */
    static int up(Duration runFor, boolean demo) throws Exception {
        LocalPipeline pipeline = LocalPipeline.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping the local pipeline");
            pipeline.close();
            stopped.countDown();
        }, "launcher-shutdown"));

        printEndpoints(pipeline, System.out);
        if (demo) {
            pipeline.startDemo(Duration.ofMillis(20));
            System.out.println("demo workload running: it logs what it did every 10 seconds");
        }
        if (runFor == null) {
            stopped.await();
        } else {
            Thread.sleep(runFor.toMillis());
        }
        return 0;
    }

    static void printEndpoints(LocalPipeline pipeline, PrintStream out) {
        out.println();
        out.println("cdc-pipeline is up (Ctrl-C stops it and removes every file it created)");
        pipeline.endpoints().forEach((name, value) -> out.printf("  %-22s %s%n", name, value));
        out.println();
        out.flush();
    }
}
