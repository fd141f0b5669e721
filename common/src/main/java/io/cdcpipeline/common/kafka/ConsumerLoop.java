package io.cdcpipeline.common.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.db.TransientErrors;
import io.cdcpipeline.common.service.DaemonThreads;
import io.cdcpipeline.common.metrics.LatencyHistogram;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The poll loop every sink uses: auto-commit off; prepare a batch, apply it durably, then commit.
 *
 * <ul>
 *   <li>Batches are pipelined: while the writer thread applies batch N, the loop's thread polls
 *       and prepares batch N+1 (see {@link BatchHandler}). Batches are applied one at a time, in
 *       order, and N+1 is applied only after N is durable.</li>
 *   <li>The handler failing transiently (database or Kafka unreachable) → the same batch again
 *       after an exponential, jittered delay; the loop never skips it. The batch prepared behind it
 *       is discarded and fetched again.</li>
 *   <li>The handler failing otherwise → the service stops with the error and the batch's position
 *       ({@code topic-partition@offset}); it is not retried forever.</li>
 *   <li>After the batch is durable, offsets are committed to Kafka (asynchronously): the
 *       authoritative position for sinks without stored positions, and the consumer-lag figure
 *       for operators in any case.</li>
 *   <li>On a rebalance the batch being applied is finished first; newly assigned partitions
 *       resume from the handler's stored positions when it has them. If they cannot be read (the
 *       database is down), the partitions stay paused and the read is retried with backoff.</li>
 *   <li>A stored position the topic cannot honour stops that partition, never skips silently:
 *       ahead of the log end (the topic was deleted and recreated, or its records truncated) or
 *       behind the log start (records were deleted by retention before they were consumed). The
 *       partition stays paused, {@code consumer.partition.stopped} reports it and the log says
 *       what to do; the other partitions go on. It resumes by itself once the stored position is
 *       corrected.</li>
 * </ul>
 *
 * <p>The consumer is created on, and only used from, the thread that calls {@link #run()};
 * {@link #stop()} may be called from any thread (it wakes the poll up).
 */
public final class ConsumerLoop {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);

    /** Configuration of one loop. */
    public record Settings(String name, KafkaSettings kafka, String groupId, Pattern topics, int maxBatchRecords,
                           int maxBatchBytes, Duration retryDelay, Duration maxRetryDelay) {
    }

    /** The apply step of a prepared batch. */
    private interface Step {
        void run() throws Exception;
    }

    /** A batch handed to the writer thread. */
    private record InFlight(List<ConsumerRecord<String, String>> batch, Future<?> applied) {
    }

    /** A batch that did not become durable. */
    private record Failed(List<ConsumerRecord<String, String>> batch, Exception error) {
    }

    private final Settings settings;
    private final BatchHandler<?> handler;
    private final Timer batchLatency;
    private final DistributionSummary batchSize;
    private final AtomicLong lag = new AtomicLong();
    /** Partitions this member holds now; -1 until the group gave it its first assignment. */
    private final AtomicLong assigned = new AtomicLong(-1);
    private volatile boolean stopping;
    private volatile KafkaConsumer<String, String> consumer;
    /** Loop thread only. */
    private InFlight inFlight;
    /** Set when the batch in flight failed while a rebalance waited for it: the loop retries it. */
    private Failed failedInRebalance;
    /** Rebalances seen by this loop (loop thread only: callbacks run inside poll). */
    private long rebalances;
    /** Records per poll: a share of the batch when the handler wants batches of several partitions. */
    private final int maxPollRecords;
    /** Assigned partitions held paused until their stored positions are read and usable (loop thread only). */
    private final Map<TopicPartition, String> held = new HashMap<>();
    /** consumer.partition.stopped per partition and reason (1 while stopped). */
    private final Map<List<String>, java.util.concurrent.atomic.AtomicInteger> stoppedGauges = new java.util.concurrent.ConcurrentHashMap<>();
    private final MeterRegistry registry;
    /** Partitions reported stopped now: what the alert reads (always exported, 0 when none). */
    private final AtomicLong stoppedPartitions = new AtomicLong();
    private long nextPositionCheck;

    public ConsumerLoop(Settings settings, BatchHandler<?> handler, MeterRegistry registry) {
        this.settings = settings;
        this.handler = handler;
        this.registry = registry;
        int spread = Math.max(1, Math.min(handler.partitionsPerBatch(), settings.maxBatchRecords()));
        this.maxPollRecords = (settings.maxBatchRecords() + spread - 1) / spread;
        String prefix = settings.name().replace('-', '_');
        this.batchLatency = LatencyHistogram.timer(prefix + ".batch.latency", "time to apply one batch durably").register(registry);
        this.batchSize = DistributionSummary.builder(prefix + ".batch.size").description("records per batch").register(registry);
        // One name for every consumer service (the service tag tells them apart), so one alert covers all.
        Gauge.builder("consumer.partitions.stopped", stoppedPartitions, AtomicLong::get).tag("consumer", settings.name())
                .description("partitions stopped because their stored position cannot be used (see consumer.partition.stopped)")
                .strongReference(true).register(registry);
        Gauge.builder("consumer.partitions.assigned", assigned, a -> Math.max(0, a.get())).tag("consumer", settings.name())
                .description("partitions this instance consumes now").strongReference(true).register(registry);
        Gauge.builder("consumer.lag.records", lag, AtomicLong::get).tag("consumer", settings.name())
                .description("records on the assigned partitions not yet consumed (the consumer's own view)").strongReference(true)
                .register(registry);
    }

    public void run() throws Exception {
        Map<String, Object> props = new HashMap<>(settings.kafka().groupConsumerProperties(settings.name()));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A sink whose positions are stored with its data seeks every partition itself: an offset out
        // of range must stop the partition (see resume), never reset it quietly.
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, handler.storesPositions() ? "none" : "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, settings.maxBatchBytes());
        // A poll drains one partition's fetched chunk before the next: chunks well below the batch
        // size give batches from several partitions, which a handler can write in parallel.
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Math.max(65_536, settings.maxBatchBytes() / 64));
        props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 5_000);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        ExecutorService writer = Executors.newSingleThreadExecutor(DaemonThreads.named(settings.name() + "-writer"));
        KafkaConsumer<String, String> c = new KafkaConsumer<>(props);
        try {
            consumer = c;
            if (stopping) {
                return;
            }
            c.subscribe(settings.topics(), new Rebalance(c));
            Duration delay = settings.retryDelay();
            while (!stopping) {
                List<ConsumerRecord<String, String>> batch;
                try {
                    batch = pollBatch(c, Duration.ofMillis(inFlight == null ? 500 : 50));
                } catch (WakeupException e) {
                    break;
                } catch (InvalidOffsetException e) {
                    // The log moved under the position being read (recreated, truncated, retention):
                    // hold the partitions and check their stored positions again.
                    e.partitions().forEach(tp -> held.put(tp, "out of range"));
                    hold(c, e.partitions());
                    resume(c, new ArrayList<>(e.partitions()));
                    continue;
                }
                lag.set(currentLag(c));
                if (!held.isEmpty() && System.nanoTime() >= nextPositionCheck) {
                    resume(c, new ArrayList<>(held.keySet()));
                }
                Step next = null;
                Exception failure = null;
                if (!batch.isEmpty()) {
                    try {
                        next = prepare(handler, batch);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw e;
                    } catch (Exception e) {
                        failure = e;
                    }
                }
                // The previous batch must be durable before this one is applied.
                Failed previous = finishInFlight(c, false);
                if (previous != null || failure != null) {
                    // Not durable: both batches start over from their first records.
                    List<ConsumerRecord<String, String>> retry = new ArrayList<>(previous == null ? List.of() : previous.batch());
                    retry.addAll(batch);
                    handleFailure(previous != null ? previous.error() : failure, retry);
                    seekToBatchStart(c, retry);
                    sleep(jittered(delay));
                    delay = Duration.ofMillis(Math.min(settings.maxRetryDelay().toMillis(), delay.toMillis() * 2));
                    continue;
                }
                delay = settings.retryDelay();
                if (next != null) {
                    Step step = next;
                    long start = System.nanoTime();
                    inFlight = new InFlight(batch, writer.submit(() -> {
                        step.run();
                        batchLatency.record(Duration.ofNanos(System.nanoTime() - start));
                        batchSize.record(batch.size());
                        return null;
                    }));
                }
            }
            Failed last = finishInFlight(c, false);
            if (last != null) {
                // Its records were consumed but are not durable: commit nothing beyond them.
                LOG.warn("{}: the last batch was not applied, it is redelivered on restart: {}", settings.name(),
                        describe(last.error()));
                return;
            }
            try {
                c.commitSync(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("{}: final offset commit failed: {}", settings.name(), e.getMessage());
            }
        } finally {
            consumer = null;
            writer.shutdownNow();
            // A stop hands the partitions over at once, static member or not; a crash (no close)
            // leaves them to this instance's restart (same KAFKA_GROUP_INSTANCE_ID) or to the session timeout.
            c.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(10)));
        }
    }

    /**
     * The next batch: one poll, then, while a backlog remains and the batch has room for another
     * poll's worth, more polls that do not wait, each with the partitions the batch already holds
     * paused. A poll drains one partition's fetched chunk before it moves to the next, so without
     * the pauses a backlog gives batches of one partition each, which a handler that writes
     * partitions in parallel ({@link BatchHandler#partitionsPerBatch()}) cannot spread. Paused
     * partitions keep what was fetched for them; when only they have more, the batch is topped up
     * from them.
     */
    private List<ConsumerRecord<String, String>> pollBatch(KafkaConsumer<String, String> c, Duration timeout) {
        ConsumerRecords<String, String> polled = c.poll(timeout);
        List<ConsumerRecord<String, String>> batch = toList(polled);
        if (maxPollRecords == settings.maxBatchRecords()) {
            return batch;
        }
        long rebalancesBefore = rebalances;
        Set<TopicPartition> paused = new HashSet<>();
        try {
            // A poll returns less than it may only when what is fetched has run out (for the
            // partitions not paused): then only the paused ones can top the batch up.
            while (batch.size() + maxPollRecords <= settings.maxBatchRecords()
                    && (polled.count() == maxPollRecords || (polled.count() > 0 && !paused.isEmpty()))) {
                Set<TopicPartition> held = new HashSet<>(polled.partitions());
                held.retainAll(c.assignment());
                c.pause(held);
                paused.addAll(held);
                polled = c.poll(Duration.ZERO);
                if (polled.isEmpty() && !paused.isEmpty()) {
                    c.resume(paused);
                    paused.clear();
                    polled = c.poll(Duration.ZERO);
                }
                if (rebalances != rebalancesBefore) {
                    // Positions were reset or partitions moved under the batch: start over from its
                    // first records where they are still ours.
                    polled.forEach(batch::add);
                    seekToBatchStart(c, batch);
                    return new ArrayList<>();
                }
                polled.forEach(batch::add);
            }
        } finally {
            paused.retainAll(c.assignment());
            c.resume(paused);
        }
        return batch;
    }

    private static List<ConsumerRecord<String, String>> toList(ConsumerRecords<String, String> records) {
        List<ConsumerRecord<String, String>> list = new ArrayList<>(records.count());
        records.forEach(list::add);
        return list;
    }

    private static <P> Step prepare(BatchHandler<P> handler, List<ConsumerRecord<String, String>> batch) throws Exception {
        P prepared = handler.prepare(batch);
        return () -> handler.apply(prepared);
    }

    /**
     * Waits for the batch in flight and commits its offsets when it is durable (synchronously when
     * its partitions are about to move). Returns what did not become durable, or null.
     */
    private Failed finishInFlight(KafkaConsumer<String, String> c, boolean sync) throws InterruptedException {
        Failed failed = failedInRebalance;
        failedInRebalance = null;
        InFlight f = inFlight;
        inFlight = null;
        if (f == null) {
            return failed;
        }
        try {
            f.applied().get();
        } catch (ExecutionException e) {
            return new Failed(f.batch(), e.getCause() instanceof Exception cause ? cause : new IllegalStateException(e.getCause()));
        }
        if (sync) {
            try {
                c.commitSync(nextOffsets(f.batch()), Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("{}: offset commit before the rebalance failed: {}", settings.name(), e.getMessage());
            }
        } else {
            c.commitAsync(nextOffsets(f.batch()), (offsets, error) -> {
                if (error != null) {
                    LOG.debug("{}: offset commit failed (positions are retried next batch): {}", settings.name(), error.getMessage());
                }
            });
        }
        return failed;
    }

    /** Returns when the failure is worth retrying; throws (stopping the service) when it never succeeds. */
    private void handleFailure(Exception e, List<ConsumerRecord<String, String>> batch) throws Exception {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            throw e;
        }
        ConsumerRecord<String, String> first = batch.get(0);
        String position = first.topic() + "-" + first.partition() + "@" + first.offset();
        if (TransientErrors.isTransient(e) || isKafkaRetriable(e) || handler.isTransient(e)) {
            LOG.warn("{}: batch from {} ({} records) failed transiently, retrying: {}", settings.name(), position,
                    batch.size(), describe(e));
            return;
        }
        // Without the cause: its message may carry row contents (see describe).
        throw new IllegalStateException(settings.name() + ": batch from " + position + " cannot be applied: " + describe(e));
    }

    private static long currentLag(KafkaConsumer<String, String> c) {
        long total = 0;
        for (TopicPartition tp : c.assignment()) {
            total += c.currentLag(tp).orElse(0);
        }
        return total;
    }

    /**
     * The error without row contents: a failed JDBC batch repeats its whole SQL with every value in
     * its message, which must not reach the log. The server's own error (the next exception) says
     * what went wrong.
     */
    static String describe(Throwable e) {
        Throwable shown = e;
        if (e instanceof java.sql.BatchUpdateException batch && batch.getNextException() != null) {
            shown = batch.getNextException();
        }
        String message = shown.getClass().getSimpleName() + ": " + shown.getMessage();
        return message.length() > 300 ? message.substring(0, 300) + "..." : message;
    }

    private static boolean isKafkaRetriable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.RetriableException || t instanceof org.apache.kafka.common.errors.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(List<ConsumerRecord<String, String>> batch) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<String, String> r : batch) {
            offsets.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return offsets;
    }

    private static void seekToBatchStart(KafkaConsumer<String, String> c, List<ConsumerRecord<String, String>> batch) {
        Map<TopicPartition, Long> firsts = new HashMap<>();
        for (ConsumerRecord<String, String> r : batch) {
            firsts.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
        }
        firsts.forEach((tp, offset) -> {
            if (c.assignment().contains(tp)) {
                c.seek(tp, offset);
            }
        });
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        private final KafkaConsumer<String, String> c;

        Rebalance(KafkaConsumer<String, String> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            rebalances++;
            assigned.set(Math.max(0, c.assignment().size() - partitions.size()));
            release(partitions);
            // The batch in flight may hold records of these partitions: finish it (and commit its
            // offsets) before they move to another consumer.
            awaitInFlight(c);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            rebalances++;
            assigned.set(Math.max(0, c.assignment().size() - partitions.size()));
            release(partitions);
            awaitInFlight(c);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            rebalances++;
            if (partitions.isEmpty()) {
                assigned.set(c.assignment().size());
                return;
            }
            awaitInFlight(c);
            resume(c, partitions);
            assigned.set(c.assignment().size());
            LOG.info("{}: assigned {} partitions, {} held until their stored positions can be used", settings.name(),
                    partitions.size(), held.size());
        }
    }

    /**
     * Seeks {@code partitions} to their stored positions and resumes them; a partition whose
     * position cannot be read now (database unreachable: retried after the retry delay) or cannot
     * be used (see the class comment) stays paused in {@link #held}.
     */
    private void resume(KafkaConsumer<String, String> c, Collection<TopicPartition> partitions) {
        List<TopicPartition> ours = partitions.stream().filter(c.assignment()::contains).toList();
        held.keySet().retainAll(c.assignment());
        if (ours.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> stored;
        try {
            stored = handler.storedPositions(ours);
        } catch (Exception e) {
            LOG.warn("{}: cannot read the stored positions of {} partitions, retrying: {}", settings.name(), ours.size(), describe(e));
            ours.forEach(tp -> held.putIfAbsent(tp, "unread"));
            hold(c, ours);
            nextPositionCheck = System.nanoTime() + settings.retryDelay().toNanos();
            return;
        }
        Map<TopicPartition, Long> starts = stored.isEmpty() ? Map.of() : c.beginningOffsets(stored.keySet());
        Map<TopicPartition, Long> ends = stored.isEmpty() ? Map.of() : c.endOffsets(stored.keySet());
        List<TopicPartition> usable = new ArrayList<>();
        for (TopicPartition tp : ours) {
            Long position = stored.get(tp);
            String problem = position == null ? null : positionProblem(position, starts.get(tp), ends.get(tp));
            if (problem == null) {
                if (position != null) {
                    c.seek(tp, position);
                } else if (handler.storesPositions()) {
                    c.seekToBeginning(List.of(tp));
                }
                usable.add(tp);
                if (held.remove(tp) != null) {
                    markStopped(tp, null);
                }
            } else {
                if (!problem.equals(held.put(tp, problem))) {
                    LOG.error("{}: partition {} stopped: the stored position {} is {} (log start {}, end {}). Nothing of it is"
                                    + " consumed until the stored position is corrected: {}", settings.name(), tp, position, problem,
                            starts.get(tp), ends.get(tp), wayOut(problem));
                    markStopped(tp, problem);
                }
            }
        }
        c.resume(usable);
        hold(c, ours.stream().filter(held::containsKey).toList());
        nextPositionCheck = System.nanoTime() + settings.retryDelay().toNanos() * 4;
    }

    /**
     * Pauses partitions; a paused partition still needs a fetch position (with no reset policy a
     * missing one fails every poll), so it is given the log start, which nothing is read from
     * while paused: {@link #resume} seeks to the stored position before resuming it.
     */
    private static void hold(KafkaConsumer<String, String> c, Collection<TopicPartition> partitions) {
        c.pause(partitions);
        c.seekToBeginning(partitions);
    }

    /** Partitions leaving this consumer are no longer held or reported stopped here. */
    private void release(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            if (held.remove(tp) != null) {
                markStopped(tp, null);
            }
        }
    }

    /** Why a stored position cannot be resumed from, or null. */
    static String positionProblem(long position, Long logStart, Long logEnd) {
        if (logEnd != null && position > logEnd) {
            return "ahead of the log end";
        }
        if (logStart != null && position < logStart) {
            return "behind the log start";
        }
        return null;
    }

    private static String wayOut(String problem) {
        return problem.startsWith("ahead")
                ? "the topic was recreated or truncated; if its records are the same changes published again, set the stored"
                        + " position to the log start (duplicates are recognised by their source key), else find where they went"
                : "records were deleted by retention before they were consumed and are lost to this sink; re-snapshot the"
                        + " table (incremental snapshot) and set the stored position to the log start to accept the gap";
    }

    private void markStopped(TopicPartition tp, String reason) {
        stoppedGauges.forEach((tags, gauge) -> {
            if (tags.get(0).equals(tp.topic()) && tags.get(1).equals(Integer.toString(tp.partition()))) {
                gauge.set(0);
            }
        });
        if (reason != null) {
            stoppedGauges.computeIfAbsent(List.of(tp.topic(), Integer.toString(tp.partition()), reason), tags -> {
                java.util.concurrent.atomic.AtomicInteger gauge = new java.util.concurrent.atomic.AtomicInteger();
                Gauge.builder("consumer.partition.stopped", gauge, java.util.concurrent.atomic.AtomicInteger::get)
                        .tags("consumer", settings.name(), "topic", tags.get(0), "partition", tags.get(1), "reason", tags.get(2))
                        .description("1 while a partition is stopped because its stored position cannot be used")
                        .strongReference(true).register(registry);
                return gauge;
            }).set(1);
        }
        stoppedPartitions.set(stoppedGauges.values().stream().filter(g -> g.get() == 1).count());
    }

    /** Finishes the batch in flight from a rebalance callback; a failure is kept for the loop to retry. */
    private void awaitInFlight(KafkaConsumer<String, String> c) {
        try {
            Failed failed = finishInFlight(c, true);
            if (failed != null) {
                failedInRebalance = failed;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new org.apache.kafka.common.errors.InterruptException(e);
        }
    }

    /**
     * The group has given this member its partitions (any number: none when the group has more
     * members than partitions). What readiness waits for, so that a restarted instance is not
     * reported ready while it still waits to be let in. (A partition stopped on an unusable
     * position does not make it unready: a restart would not help; consumer.partition.stopped
     * alerts.)
     */
    public boolean joined() {
        return assigned.get() >= 0;
    }

    public void stop() {
        stopping = true;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private static Duration jittered(Duration delay) {
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(delay.toMillis() / 2, delay.toMillis() + 1));
    }

    private void sleep(Duration d) throws InterruptedException {
        long until = System.nanoTime() + d.toNanos();
        while (!stopping && System.nanoTime() < until) {
            Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
        }
    }
}
