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
 * <p>Options: {@code --for <seconds>} stops by itself after that long (smoke tests, demos).
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
            System.err.println("usage: cdc-pipeline up [--for SECONDS] | reference [--update README.md] | schema ...");
            System.exit(2);
        }
        Duration runFor = parseRunFor(Arrays.copyOfRange(args, Math.min(1, args.length), args.length));

        LocalPipeline pipeline = LocalPipeline.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping the local pipeline");
            pipeline.close();
            stopped.countDown();
        }, "launcher-shutdown"));

        printEndpoints(pipeline, System.out);
        if (runFor == null) {
            stopped.await();
        } else {
            Thread.sleep(runFor.toMillis());
            System.exit(0);
        }
    }

    private static Duration parseRunFor(String[] options) {
        if (options.length == 0) {
            return null;
        }
        if (options.length == 2 && options[0].equals("--for")) {
            try {
                return Duration.ofSeconds(Long.parseLong(options[1]));
            } catch (NumberFormatException e) {
                // fall through to usage
            }
        }
        System.err.println("usage: cdc-pipeline up [--for SECONDS]");
        System.exit(2);
        return null;
    }

    static void printEndpoints(LocalPipeline pipeline, PrintStream out) {
        out.println();
        out.println("cdc-pipeline is up (Ctrl-C stops it and removes every file it created)");
        pipeline.endpoints().forEach((name, value) -> out.printf("  %-22s %s%n", name, value));
        out.println();
        out.flush();
    }
}
