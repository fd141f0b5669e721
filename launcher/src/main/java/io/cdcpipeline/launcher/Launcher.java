package io.cdcpipeline.launcher;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.launcher.demo.DemoSession;

/**
 * {@code cdc-pipeline up} and {@code demo}: starts the local pipeline ({@link LocalPipeline}),
 * prints its endpoints and runs until Ctrl-C / SIGTERM (or for {@code --for}), then stops every
 * process and deletes every file but the log. With the demo, the terminal belongs to its status
 * block ({@link DemoSession}) and the end brings its summary and checks. The command line itself
 * is {@link CdcPipelineCli}.
 */
public final class Launcher {

    private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);

    private Launcher() {
    }

    public static void main(String[] args) {
        CdcPipelineCli.main(args);
    }

    /** Runs the local pipeline until stopped (or for {@code runFor}); the exit code (1: a demo check failed). */
    static int up(Duration runFor, Path logFile, boolean demo, PrintStream out) throws Exception {
        PipelineLog.writeTo(logFile);
        // The demo's terminal shows its own progress and status block; the services' messages go to the log.
        ConsoleFilter.errorsOnly(demo);
        out.println("starting PostgreSQL, Kafka and Redis, then every service (full log: " + logFile + ") ...");
        out.flush();
        long starting = System.nanoTime();
        LocalPipeline pipeline = LocalPipeline.start();
        out.printf("ready in %.0f s%n", (System.nanoTime() - starting) / 1e9);
        Ending ending = new Ending(pipeline, out, logFile);
        Thread hook = new Thread(ending::run, "launcher-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        printEndpoints(pipeline, out);
        if (demo) {
            DemoSession.tryWhileItRuns("(set -a; . " + pipeline.verifyEnvFile() + "; ./cdc-pipeline audit verify)")
                    .forEach(out::println);
            ending.session = pipeline.startDemoSession(Duration.ofMillis(20), out, System.console() != null);
        }
        if (runFor == null) {
            new CountDownLatch(1).await(); // never returns: the shutdown hook ends the run, then the JVM
        }
        Thread.sleep(runFor.toMillis());
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C came meanwhile: the hook runs the same ending; run() below waits for it.
        }
        ending.run();
        return ending.ok ? 0 : 1;
    }

    /** The end of a run, once, from --for or from the shutdown hook: the demo's summary, then everything stopped. */
    private static final class Ending implements Runnable {
        private final LocalPipeline pipeline;
        private final PrintStream out;
        private final Path logFile;
        volatile DemoSession session;
        private boolean done;
        private boolean ok = true;

        Ending(LocalPipeline pipeline, PrintStream out, Path logFile) {
            this.pipeline = pipeline;
            this.out = out;
            this.logFile = logFile;
        }

        @Override
        public synchronized void run() {
            if (done) {
                return;
            }
            done = true;
            try {
                if (session != null) {
                    ok = session.finish();
                }
            } finally {
                LOG.info("stopping the local pipeline");
                pipeline.close();
                out.println("stopped: every process ended and every file removed, but the log (" + logFile + ")");
                out.flush();
            }
        }
    }

    static void printEndpoints(LocalPipeline pipeline, PrintStream out) {
        out.println();
        out.println("cdc-pipeline is up (Ctrl-C stops it and removes every file it created but the log)");
        pipeline.endpoints().forEach((name, value) -> out.printf("  %-22s %s%n", name, value));
        out.println();
        out.flush();
    }
}
