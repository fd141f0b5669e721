package io.cdcpipeline.testkit;

import java.io.PrintStream;

/**
 * Entry point of the child JVM that runs a {@link KafkaBroker}: formats the KRaft storage, then
 * runs {@code kafka.Kafka} exactly as {@code kafka-server-start.sh} would.
 *
 * <p>Started through {@link ChildJvm}, whose watchdog ends the broker when the test JVM is gone.
 *
 * <p>Arguments: {@code <server.properties> <cluster-id>}.
 */
public final class KafkaBrokerMain {

    private KafkaBrokerMain() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: KafkaBrokerMain <server.properties> <cluster-id>");
            System.exit(2);
        }
        String properties = args[0];
        String clusterId = args[1];

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
}
