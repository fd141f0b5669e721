package io.cdcpipeline.testkit;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Entry point of the child JVM that runs a {@link KafkaBroker}: formats the KRaft storage, then
 * runs {@code kafka.Kafka} exactly as {@code kafka-server-start.sh} would.
 *
 * <p>A watchdog thread ends the broker when the JVM that started it is gone, so a test JVM that
 * is killed (no shutdown hooks) does not leave a broker behind.
 *
 * <p>Arguments: {@code <server.properties> <cluster-id> <parent-pid>}.
 */
public final class KafkaBrokerMain {

    private KafkaBrokerMain() {
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: KafkaBrokerMain <server.properties> <cluster-id> <parent-pid>");
            System.exit(2);
        }
        String properties = args[0];
        String clusterId = args[1];
        long parentPid = Long.parseLong(args[2]);
        watchParent(parentPid, Path.of(properties).getParent());

        // StorageTool.main would System.exit; execute() returns the exit code instead.
        int formatted = kafka.tools.StorageTool.execute(
                new String[] {"format", "--cluster-id", clusterId, "--config", properties, "--ignore-formatted"},
                new PrintStream(System.out, true));
        if (formatted != 0) {
            System.err.println("kafka storage format failed with exit code " + formatted);
            System.exit(formatted);
        }
        kafka.Kafka.main(new String[] {properties});
    }

    private static void watchParent(long parentPid, Path workDir) {
        Thread watchdog = new Thread(() -> {
            while (true) {
                Optional<ProcessHandle> parent = ProcessHandle.of(parentPid);
                if (parent.isEmpty() || !parent.get().isAlive()) {
                    System.err.println("parent process " + parentPid + " is gone: stopping the broker");
                    Directories.deleteRecursively(workDir);
                    Runtime.getRuntime().halt(0);
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }
}
