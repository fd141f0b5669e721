package io.cdcpipeline.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import io.cdcpipeline.capture.CaptureService;
import io.cdcpipeline.testkit.ChildJvm;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.KafkaTopics;
import io.cdcpipeline.testkit.TestDatabase;

/**
 * Capture throughput, commit → Kafka-acknowledged, for a backlog of committed changes (200,000 by
 * default, the workload of {@code bench e2e}: 100-change transactions of 60 % inserts, 30 % updates
 * and 10 % deletes on articles and comments, so the rows have that workload's sizes), through
 * cdc-capture and through a bare
 * Debezium engine loop ({@link BareEngineMain}) reading the same WAL from their own slots, each in
 * its own JVM with the same heap. Runs alternate (bare, capture, bare, capture) so neither gets
 * the warmer machine; the ratio of the means is the figure to compare.
 *
 * <p>Throughput = events / (last − first producer timestamp) on the table topics; memory = the
 * JVM's peak resident set (VmHWM).
 */
final class CaptureBenchmark {

    private static final List<String> TABLES = List.of("articles", "comments");
    private static final String JVM_HEAP = "-Xmx1g";

    private CaptureBenchmark() {
    }

    record Run(String kind, long events, double seconds, long peakRssMiB) {
        double perSecond() {
            return events / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int requested = args.length == 2 && args[0].equals("--changes") ? Integer.parseInt(args[1]) : 200_000;
        // Whole transactions of the workload.
        int changes = Math.max(100, requested / 100 * 100);
        try (EmbeddedInfrastructure infra = EmbeddedInfrastructure.create().startAll()) {
            TestDatabase db = BenchDatabase.create(infra, "bench_capture");
            Workload workload = new Workload(db);
            workload.seed();
            List<String> kinds = List.of("bare", "capture", "bare", "capture");
            List<String> prefixes = new ArrayList<>();
            KafkaTopics topics = infra.kafka().topics();
            for (int i = 0; i < kinds.size(); i++) {
                String prefix = "bench" + i + kinds.get(i);
                prefixes.add(prefix);
                // Each run reads the backlog from its own slot, created before the workload.
                db.execute("SELECT pg_create_logical_replication_slot('slot_" + prefix + "', 'pgoutput')");
                for (String topic : List.of("app.articles", "app.comments", "transaction", "message")) {
                    topics.create(prefix + "." + topic, 3);
                }
                topics.create("__debezium-heartbeat." + prefix, 1);
            }

            long writeStart = System.nanoTime();
            Workload.Counts counts = workload.commit(changes, 0);
            System.out.printf("workload: %,d committed changes (%s) written in %.1f s%n", changes, counts,
                    (System.nanoTime() - writeStart) / 1e9);

            List<Run> runs = new ArrayList<>();
            for (int i = 0; i < kinds.size(); i++) {
                runs.add(measure(infra, db, kinds.get(i), prefixes.get(i), changes));
                Run r = runs.get(runs.size() - 1);
                System.out.printf("  %-8s %,9d events in %6.2f s = %,8.0f events/s, peak RSS %,5d MiB%n",
                        r.kind(), r.events(), r.seconds(), r.perSecond(), r.peakRssMiB());
            }
            double bare = runs.stream().filter(r -> r.kind().equals("bare")).mapToDouble(Run::perSecond).average().orElseThrow();
            double ours = runs.stream().filter(r -> r.kind().equals("capture")).mapToDouble(Run::perSecond).average().orElseThrow();
            long bareMem = runs.stream().filter(r -> r.kind().equals("bare")).mapToLong(Run::peakRssMiB).max().orElseThrow();
            long oursMem = runs.stream().filter(r -> r.kind().equals("capture")).mapToLong(Run::peakRssMiB).max().orElseThrow();
            System.out.printf("%nRESULT capture %,.0f events/s vs bare engine %,.0f events/s: ratio %.2f (goal >= 0.90);"
                    + " peak RSS %d MiB vs %d MiB (%s)%n", ours, bare, ours / bare, oursMem, bareMem, JVM_HEAP);
        }
    }

    private static Run measure(EmbeddedInfrastructure infra, TestDatabase db, String kind, String prefix, long expected)
            throws Exception {
        Map<String, String> env = BenchDatabase.captureEnv(infra, db, prefix);
        Path dir = infra.root().resolve("bench-" + prefix);
        String main = kind.equals("bare") ? BareEngineMain.class.getName() : CaptureService.class.getName();
        Process process = ChildJvm.start(prefix, dir, main, List.of(), env, List.of(JVM_HEAP));
        try {
            long[] window = consume(infra.kafka().bootstrapServers(), prefix, expected, Duration.ofMinutes(10));
            long peak = ProcessMemory.peakRssMiB(process.pid());
            if (window[0] < expected) {
                throw new IllegalStateException(kind + " published " + window[0] + " of " + expected + " events; log: "
                        + ChildJvm.logFile(dir, prefix));
            }
            return new Run(kind, window[0], Math.max(1, window[2] - window[1]) / 1000.0, peak);
        } finally {
            process.destroy();
            process.waitFor();
        }
    }

    /** Returns {count, first timestamp, last timestamp} of the records on the prefix's table topics. */
    private static long[] consume(String bootstrap, String prefix, long expected, Duration timeout) {
        long count = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String table : TABLES) {
                consumer.partitionsFor(prefix + ".app." + table).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (count < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        continue;
                    }
                    count++;
                    first = Math.min(first, r.timestamp());
                    last = Math.max(last, r.timestamp());
                }
            }
        }
        return new long[] {count, first, last};
    }

    static Set<String> tables() {
        return Set.copyOf(TABLES);
    }
}
