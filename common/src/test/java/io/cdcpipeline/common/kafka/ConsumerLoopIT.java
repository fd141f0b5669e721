package io.cdcpipeline.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.KafkaTopics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The pipelined poll loop on a real broker: order, overlap, and retry after a failed batch. */
class ConsumerLoopIT {

    private static final int RECORDS = 3_000;

    /**
     * Records applied, in apply order. The handler fails the third apply transiently (after its
     * next batch was already prepared) and checks that applies never overlap each other.
     */
    private static final class RecordingHandler implements BatchHandler<List<ConsumerRecord<String, String>>> {
        final List<ConsumerRecord<String, String>> applied = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean applying = new AtomicBoolean();
        final AtomicInteger preparedDuringApply = new AtomicInteger();
        final AtomicInteger overlappingApplies = new AtomicInteger();
        final AtomicInteger applies = new AtomicInteger();
        final AtomicBoolean failed = new AtomicBoolean();

        @Override
        public List<ConsumerRecord<String, String>> prepare(List<ConsumerRecord<String, String>> batch) {
            if (applying.get()) {
                preparedDuringApply.incrementAndGet();
            }
            return batch;
        }

        @Override
        public void apply(List<ConsumerRecord<String, String>> batch) throws Exception {
            if (!applying.compareAndSet(false, true)) {
                overlappingApplies.incrementAndGet();
            }
            try {
                // Slow enough that the loop has time to poll and prepare the next batch meanwhile.
                Thread.sleep(30);
                if (applies.incrementAndGet() == 3 && failed.compareAndSet(false, true)) {
                    throw new SQLException("connection lost (test)", "08006");
                }
                applied.addAll(batch);
            } finally {
                applying.set(false);
            }
        }
    }

    @Test
    void shouldApplyEveryRecordOnceInOrderAndRetryAFailedBatchWithTheOnePreparedBehindIt() throws Exception {
        EmbeddedInfrastructure infra = EmbeddedInfrastructure.shared();
        KafkaTopics topics = infra.kafka().topics();
        String topic = KafkaTopics.uniqueName("loop");
        topics.create(topic, 2);
        topics.produce(topic, IntStream.range(0, RECORDS).mapToObj(i -> Map.entry("k" + (i % 7), Integer.toString(i))).toList());

        RecordingHandler handler = new RecordingHandler();
        ConsumerLoop loop = new ConsumerLoop(new ConsumerLoop.Settings("loop-it", new KafkaSettings(infra.kafka().bootstrapServers()),
                "loop-it-" + topic, Pattern.compile(Pattern.quote(topic)), 100, 1_048_576, Duration.ofMillis(50),
                Duration.ofMillis(200)), handler, new SimpleMeterRegistry());
        runUntil(loop, () -> handler.applied.size() >= RECORDS);

        assertThat(handler.failed).as("the third batch failed once").isTrue();
        assertThat(handler.overlappingApplies).as("applies never run at the same time").hasValue(0);
        assertThat(handler.preparedDuringApply.get()).as("batches were prepared while the previous one was applied")
                .isPositive();
        List<ConsumerRecord<String, String>> applied = List.copyOf(handler.applied);
        assertThat(applied).as("each record applied exactly once: the failed batch and the one behind it came back")
                .hasSize(RECORDS);
        assertThat(applied.stream().map(ConsumerRecord::value).distinct().count()).isEqualTo(RECORDS);
        for (int partition = 0; partition < 2; partition++) {
            int p = partition;
            List<Long> offsets = applied.stream().filter(r -> r.partition() == p).map(ConsumerRecord::offset).toList();
            assertThat(offsets).as("partition %d applied in offset order", p).isSorted();
        }
    }

    /** Runs the loop on its own thread until {@code done}, then stops it. */
    private static void runUntil(ConsumerLoop loop, Callable<Boolean> done) throws InterruptedException {
        Thread thread = new Thread(() -> {
            try {
                loop.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "consumer-loop-it");
        thread.start();
        try {
            await().atMost(60, TimeUnit.SECONDS).until(done);
        } finally {
            loop.stop();
            thread.join(10_000);
        }
    }

    /** Batches of a handler that writes partitions in parallel (see {@link BatchHandler#partitionsPerBatch()}). */
    private static final class SpreadHandler implements BatchHandler.OneStep {
        final List<List<ConsumerRecord<String, String>>> batches = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void handle(List<ConsumerRecord<String, String>> batch) {
            batches.add(List.copyOf(batch));
        }

        @Override
        public int partitionsPerBatch() {
            return 2;
        }
    }

    @Test
    void shouldSpreadABacklogsBatchesOverSeveralPartitionsWhenTheHandlerWritesThemInParallel() throws Exception {
        EmbeddedInfrastructure infra = EmbeddedInfrastructure.shared();
        KafkaTopics topics = infra.kafka().topics();
        String topic = KafkaTopics.uniqueName("spread");
        topics.create(topic, 4);
        // Keys spread the records over the four partitions; all of them are there before the loop starts.
        topics.produce(topic, IntStream.range(0, 8_000).mapToObj(i -> Map.entry("k" + (i % 16), Integer.toString(i))).toList());

        SpreadHandler handler = new SpreadHandler();
        int maxBatch = 400;
        ConsumerLoop loop = new ConsumerLoop(new ConsumerLoop.Settings("spread-it", new KafkaSettings(infra.kafka().bootstrapServers()),
                "spread-it-" + topic, Pattern.compile(Pattern.quote(topic)), maxBatch, 1_048_576, Duration.ofMillis(50),
                Duration.ofMillis(200)), handler, new SimpleMeterRegistry());
        runUntil(loop, () -> handler.batches.stream().mapToInt(List::size).sum() >= 8_000);

        List<List<ConsumerRecord<String, String>>> batches = List.copyOf(handler.batches);
        List<ConsumerRecord<String, String>> applied = batches.stream().flatMap(List::stream).toList();
        assertThat(applied).as("each record once").hasSize(8_000);
        assertThat(applied.stream().map(ConsumerRecord::value).distinct().count()).isEqualTo(8_000);
        for (int partition = 0; partition < 4; partition++) {
            int p = partition;
            assertThat(applied.stream().filter(r -> r.partition() == p).map(ConsumerRecord::offset).toList())
                    .as("partition %d in offset order", p).isSorted();
        }
        assertThat(batches).as("no batch above the maximum").allSatisfy(b -> assertThat(b).hasSizeLessThanOrEqualTo(maxBatch));
        // A poll alone drains one partition's fetched chunk (here hundreds of records) before the
        // next: without pausing, nearly every batch would hold one partition.
        long spread = batches.stream().filter(b -> b.stream().map(ConsumerRecord::partition).distinct().count() >= 2).count();
        assertThat(spread).as("batches spanning two or more partitions, of %d: %s", batches.size(),
                batches.stream().map(b -> b.stream().map(ConsumerRecord::partition).distinct().sorted().toList()).toList())
                .isGreaterThanOrEqualTo(batches.size() / 2);
    }
}
