package io.cdcpipeline.launcher;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cdc-pipeline up}: starts the local pipeline ({@link LocalPipeline}), prints its
 * endpoints and runs until Ctrl-C / SIGTERM, then stops every process and deletes every file.
 *
 * <p>Options: {@code --for <seconds>} stops by itself after that long (smoke tests, demos);
 * {@code --demo} also runs {@link DemoWorkload}, an application writing and reading through the cache.
 * {@code cdc-pipeline reference [--update README.md]} prints (or rewrites in the README) the
 * configuration reference generated from the declared settings.
 */
public final class Launcher {

    private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "up" : args[0];
        if (command.equals("reference")) {
            ConfigurationReference.run(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (!command.equals("up")) {
            System.err.println(USAGE);
            System.exit(2);
        }
        Options options = Options.parse(Arrays.copyOfRange(args, Math.min(1, args.length), args.length));

        LocalPipeline pipeline = LocalPipeline.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping the local pipeline");
            pipeline.close();
            stopped.countDown();
        }, "launcher-shutdown"));

        printEndpoints(pipeline, System.out);
        if (options.demo()) {
            pipeline.startDemo(Duration.ofMillis(20));
            System.out.println("demo workload running: it logs what it did every 10 seconds");
        }
        if (options.runFor() == null) {
            stopped.await();
        } else {
            Thread.sleep(options.runFor().toMillis());
            System.exit(0);
        }
    }

    private static final String USAGE = "usage: cdc-pipeline up [--for SECONDS] [--demo] | reference [--update README.md] | schema ...";

    /** {@code up}'s options: {@code --for SECONDS} (null: until stopped) and {@code --demo}. */
    record Options(Duration runFor, boolean demo) {
        static Options parse(String[] args) {
            Duration runFor = null;
            boolean demo = false;
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--demo")) {
                    demo = true;
                } else if (args[i].equals("--for") && i + 1 < args.length && args[i + 1].matches("[0-9]{1,9}")) {
                    runFor = Duration.ofSeconds(Long.parseLong(args[++i]));
                } else {
                    System.err.println(USAGE);
                    System.exit(2);
                }
            }
            return new Options(runFor, demo);
        }
    }

    static void printEndpoints(LocalPipeline pipeline, PrintStream out) {
        out.println();
        out.println("cdc-pipeline is up (Ctrl-C stops it and removes every file it created)");
        pipeline.endpoints().forEach((name, value) -> out.printf("  %-22s %s%n", name, value));
        out.println();
        out.flush();
    }
}
