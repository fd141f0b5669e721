package io.cdcpipeline.common.kafka;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import picocli.CommandLine;

/**
 * {@code replay-dead-letters}: after the cause of dead letters is fixed (a parser bug, a setting),
 * moves the records of a service's dead-letter topic to its replay topic
 * ({@link DeadLetterQueue#replayTopic}), which the running service reads besides the change topics.
 * Each record keeps its key, value and Debezium headers, and its first position in the
 * {@link DeadLetterHeaders#TOPIC}, {@code PARTITION} and {@code OFFSET} headers (the service reads
 * it as a record of that topic); the error headers go, {@link DeadLetterHeaders#REPLAYED_FROM} names
 * the dead letter.
 *
 * <p>Exactly once: the records are produced and the replay group's position committed in one Kafka
 * transaction, so a crash or a second run never replays a dead letter twice, and each run starts
 * where the last one stopped. A run stops at the end the topic had when it started: a record that
 * fails again is dead-lettered again by the service, after that end, for a later run.
 */
public final class DeadLetterReplay {

    /** The outcome of a run: how many dead letters were (or, dry, would be) replayed. */
    public record Result(int replayed, boolean dryRun) {
    }

    private static final Duration POLL = Duration.ofMillis(500);

    /** What a run needs: KAFKA_* and the service's dead-letter topic, read from the environment. */
    public record Target(KafkaSettings kafka, String deadLetterTopic) {
    }

    /**
     * The {@code replay-dead-letters} command of a service; {@code target} reads its settings
     * (a bad one stops it with the variable named). Returns the exit code: 0, 1 on a failure, 2 on
     * bad settings or arguments.
     */
    public static int command(String service, Function<Map<String, String>, Target> target, Map<String, String> env,
                              PrintWriter out, String... args) {
        return io.cdcpipeline.common.cli.ServiceCommand.configure(new CommandLine(new Command(service, target, env, out)), out,
                new PrintWriter(System.err, true)).execute(args);
    }

    /** The {@code replay-dead-letters} command object, for a service's command tree. */
    public static Object subcommand(String service, Function<Map<String, String>, Target> target, Map<String, String> env,
                                    PrintWriter out) {
        return new Command(service, target, env, out);
    }

    @CommandLine.Command(name = "replay-dead-letters", mixinStandardHelpOptions = true,
            description = "After fixing their cause, send the service's dead letters back through it: exactly once, each run"
                    + " starting where the last stopped; records that fail again are dead-lettered again.")
    static final class Command implements Callable<Integer> {
        private final String service;
        private final Function<Map<String, String>, Target> target;
        private final Map<String, String> env;
        private final PrintWriter out;

        @CommandLine.Option(names = "--dry-run", description = "list the dead letters a run would replay, with their errors;"
                + " change nothing")
        boolean dryRun;

        Command(String service, Function<Map<String, String>, Target> target, Map<String, String> env, PrintWriter out) {
            this.service = service;
            this.target = target;
            this.env = env;
            this.out = out;
        }

        @Override
        public Integer call() {
            Target t = target.apply(env);
            new DeadLetterReplay(t.kafka(), service, t.deadLetterTopic()).run(dryRun, out);
            return 0;
        }
    }

    private final KafkaSettings kafka;
    private final String service;
    private final String deadLetterTopic;

    public DeadLetterReplay(KafkaSettings kafka, String service, String deadLetterTopic) {
        this.kafka = kafka;
        this.service = service;
        this.deadLetterTopic = deadLetterTopic;
    }

    /** The consumer group (and transactional id) of replays of this service: its position is where the next run starts. */
    public String group() {
        return service + "-dlq-replay";
    }

    /**
     * Replays every dead letter after the group's position up to the topic's end now; with
     * {@code dryRun}, lists them (position, original position, error) and changes nothing.
     */
    public Result run(boolean dryRun, PrintWriter out) {
        String replayTopic = DeadLetterQueue.replayTopic(deadLetterTopic);
        Map<String, Object> consumerProps = kafka.clientProperties(group());
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, group());
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps);
             KafkaProducer<String, String> producer = dryRun ? null : transactionalProducer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(deadLetterTopic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                throw new IllegalStateException("dead-letter topic " + deadLetterTopic + " does not exist (the "
                        + service + " creates it at start)");
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            if (producer != null) {
                producer.initTransactions();
            }
            int replayed = 0;
            while (!reached(consumer, end)) {
                ConsumerRecords<String, String> records = consumer.poll(POLL);
                if (records.isEmpty()) {
                    continue;
                }
                if (producer != null) {
                    producer.beginTransaction();
                }
                Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
                for (ConsumerRecord<String, String> record : records) {
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() >= end.get(tp)) {
                        continue;
                    }
                    out.println((dryRun ? "would replay " : "replaying ") + describe(record));
                    if (producer != null) {
                        producer.send(new ProducerRecord<>(replayTopic, null, record.key(), record.value(), replayHeaders(record)));
                        positions.put(tp, new OffsetAndMetadata(record.offset() + 1));
                    }
                    replayed++;
                }
                if (producer != null && positions.isEmpty()) {
                    producer.abortTransaction();
                } else if (producer != null) {
                    producer.sendOffsetsToTransaction(positions, consumer.groupMetadata());
                    producer.commitTransaction();
                }
            }
            out.println((dryRun ? "would replay " : "replayed ") + replayed + " dead letter(s) of " + deadLetterTopic
                    + (dryRun ? "" : " to " + replayTopic));
            return new Result(replayed, dryRun);
        }
    }

    private KafkaProducer<String, String> transactionalProducer() {
        Map<String, Object> props = kafka.clientProperties(group());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, group());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return new KafkaProducer<>(props);
    }

    private static boolean reached(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** The record's headers without the error ones: its first position stays, and where it is replayed from is added. */
    static RecordHeaders replayHeaders(ConsumerRecord<String, String> deadLetter) {
        RecordHeaders headers = new RecordHeaders();
        for (Header header : deadLetter.headers()) {
            String key = header.key();
            boolean position = key.equals(DeadLetterHeaders.TOPIC) || key.equals(DeadLetterHeaders.PARTITION)
                    || key.equals(DeadLetterHeaders.OFFSET);
            if (position || !(key.startsWith(DeadLetterHeaders.PREFIX) || key.equals(DeadLetterHeaders.REPLAYED_FROM))) {
                headers.add(header);
            }
        }
        headers.add(DeadLetterHeaders.REPLAYED_FROM, (deadLetter.topic() + "-" + deadLetter.partition() + "@"
                + deadLetter.offset()).getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    private static String describe(ConsumerRecord<String, String> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset() + " (first "
                + DeadLetterHeaders.originalTopic(record) + "-" + DeadLetterHeaders.originalPartition(record) + "@"
                + DeadLetterHeaders.originalOffset(record) + "): "
                + DeadLetterHeaders.text(record.headers(), DeadLetterHeaders.EXCEPTION_CLASS) + ": "
                + DeadLetterHeaders.text(record.headers(), DeadLetterHeaders.EXCEPTION_MESSAGE);
    }
}
