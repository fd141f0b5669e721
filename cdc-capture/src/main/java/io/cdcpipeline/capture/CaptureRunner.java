package io.cdcpipeline.capture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.service.DaemonThreads;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Runs the Debezium engine while this instance is the active one, and keeps it running: an engine
 * that fails (PostgreSQL or Kafka unreachable at start, Kafka not acknowledging) is rebuilt after
 * an exponential, jittered delay and resumes from the last committed position. A slot that lost
 * WAL stops the service with instructions instead (see {@link SlotMonitor#checkNotLost()}).
 *
 * <p>{@link #run()} blocks; {@link #stop()} may be called from any thread (SIGTERM).
 */
public final class CaptureRunner {

    private static final Logger LOG = LoggerFactory.getLogger(CaptureRunner.class);
    /** An engine that streamed this long resets the restart backoff. */
    private static final Duration HEALTHY_RUN = Duration.ofMinutes(1);
    private static final Duration SLOT_METRICS_INTERVAL = Duration.ofSeconds(5);

    private final CaptureConfig config;
    private final CaptureMetrics metrics;
    private final LeaderLock leader;
    private final SlotMonitor slot;
    private final DebeziumStreamingState debezium;
    private volatile boolean stopRequested;
    private volatile EngineRun current;
    private final Object wakeUp = new Object();

    public CaptureRunner(CaptureConfig config, MeterRegistry registry) {
        this.config = config;
        this.metrics = new CaptureMetrics(registry, config.topicPrefix());
        this.leader = new LeaderLock(config.database(), config.slotName());
        this.slot = new SlotMonitor(config.database(), config.slotName());
        this.debezium = new DebeziumStreamingState(config.topicPrefix());
        metrics.streamingState(this::isStreaming);
    }

    public void run() throws Exception {
        ScheduledExecutorService monitor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("capture-slot-monitor"));
        monitor.scheduleWithFixedDelay(() -> slot.refresh(metrics), 0, SLOT_METRICS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        Duration delay = config.restartDelay();
        try {
            while (!stopRequested) {
                if (!leader.tryAcquire()) {
                    metrics.leader.set(0);
                    pause(config.leaderCheckInterval());
                    continue;
                }
                metrics.leader.set(1);
                slot.checkNotLost();
                long started = System.nanoTime();
                Throwable failure = runEngineWhileLeader();
                if (stopRequested) {
                    break;
                }
                if (System.nanoTime() - started > HEALTHY_RUN.toNanos()) {
                    delay = config.restartDelay();
                }
                String reason = failure == null ? "leadership" : "failure";
                metrics.engineRestarted(reason);
                if (failure != null) {
                    long jittered = ThreadLocalRandom.current().nextLong(delay.toMillis() / 2, delay.toMillis() + 1);
                    LOG.warn("capture engine stopped ({}); restarting in {} ms", describe(failure), jittered);
                    pause(Duration.ofMillis(jittered));
                    delay = Duration.ofMillis(Math.min(config.maxRestartDelay().toMillis(), delay.toMillis() * 2));
                }
            }
        } finally {
            monitor.shutdownNow();
            leader.release();
            metrics.leader.set(0);
        }
    }

    /** Runs one engine until it ends, leadership is lost or a stop is requested; returns its failure, if any. */
    private Throwable runEngineWhileLeader() throws InterruptedException {
        CapturedTables.Resolved resolved;
        try {
            // Without CAPTURE_TABLES the publication says what to capture: read again at each start.
            resolved = CapturedTables.resolve(config);
        } catch (java.sql.SQLException e) {
            return e;
        }
        EngineRun run = EngineRun.start(resolved.config(), resolved.topics(), metrics);
        current = run;
        try {
            while (true) {
                try {
                    return run.done.get(config.leaderCheckInterval().toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (stopRequested) {
                        return null;
                    }
                    if (!leader.stillHeld()) {
                        metrics.leader.set(0);
                        return null;
                    }
                } catch (ExecutionException e) {
                    return e.getCause();
                }
            }
        } finally {
            run.close();
            current = null;
        }
    }

    public void stop() {
        stopRequested = true;
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    /** True while this instance's engine runs and reads the replication stream (its snapshot, if any, is done). */
    public boolean isStreaming() {
        return metrics.streaming.get() == 1 && debezium.connected();
    }

    public boolean isLeader() {
        return metrics.leader.get() == 1;
    }

    private void pause(Duration duration) throws InterruptedException {
        synchronized (wakeUp) {
            if (!stopRequested) {
                wakeUp.wait(Math.max(1, duration.toMillis()));
            }
        }
    }

    private static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return t.getMessage() + (root != t ? " <- " + root.getMessage() : "");
    }

    /** One engine with its own producer and topic creator, started on its own thread. */
    private static final class EngineRun {
        final CompletableFuture<Throwable> done = new CompletableFuture<>();
        private final DebeziumEngine<ChangeEvent<String, String>> engine;
        private final KafkaProducer<String, String> producer;
        private final TopicCreator topics;
        private final ExecutorService thread;
        private final CaptureMetrics metrics;

        private EngineRun(DebeziumEngine<ChangeEvent<String, String>> engine, KafkaProducer<String, String> producer,
                          TopicCreator topics, ExecutorService thread, CaptureMetrics metrics) {
            this.engine = engine;
            this.producer = producer;
            this.topics = topics;
            this.thread = thread;
            this.metrics = metrics;
        }

        static EngineRun start(CaptureConfig config, List<String> tableTopics, CaptureMetrics metrics) {
            KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties(config));
            Map<String, Object> admin = config.kafka().clientProperties("cdc-capture-admin");
            TopicCreator topics = new TopicCreator(admin, config.topicPartitions(), config.topicReplicationFactor(),
                    config.maxMessageBytes());
            createTopicsOfCapturedTables(config, tableTopics, topics);
            CompletableFuture<Throwable> done = new CompletableFuture<>();
            Properties properties = DebeziumProperties.from(config);
            PositionCommitPolicy commits = new PositionCommitPolicy(config.offsetFlushInterval());
            DebeziumEngine<ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                    .using(properties)
                    .using(commits)
                    .using(new DebeziumEngine.ConnectorCallback() {
                        @Override
                        public void pollingStarted() {
                            metrics.streaming.set(1);
                            LOG.info("capture is streaming from slot {}", config.slotName());
                        }

                        @Override
                        public void pollingStopped() {
                            metrics.streaming.set(0);
                        }
                    })
                    .using((DebeziumEngine.CompletionCallback) (success, message, error) -> {
                        metrics.streaming.set(0);
                        done.complete(success ? null : error != null ? error : new IllegalStateException(message));
                    })
                    .notifying(new KafkaPublisher(producer, topics, metrics, config.topicPrefix() + ".transaction", commits))
                    .build();
            ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "debezium-engine"));
            EngineRun run = new EngineRun(engine, producer, topics, thread, metrics);
            done.whenComplete((failure, e) -> run.done.complete(failure));
            thread.submit(engine);
            return run;
        }

        /**
         * Capture owns the change topics: it creates every captured table's topic (and the
         * transaction and message topics) before it streams, with its configuration, so a
         * consumer that starts first waits for them and never creates them with defaults.
         */
        private static void createTopicsOfCapturedTables(CaptureConfig config, List<String> tableTopics, TopicCreator topics) {
            try {
                List<String> names = new ArrayList<>(tableTopics);
                names.add(config.topicPrefix() + ".transaction");
                names.add(config.topicPrefix() + ".message");
                for (String topic : names) {
                    topics.ensure(topic);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void close() {
            // close() refuses while tasks are starting: try until the engine accepts or has ended.
            for (int attempt = 0; attempt < 100 && !done.isDone(); attempt++) {
                try {
                    engine.close();
                    break;
                } catch (IllegalStateException e) {
                    sleepQuietly(100);
                } catch (java.io.IOException e) {
                    LOG.warn("closing the engine failed", e);
                    break;
                }
            }
            try {
                done.get(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("engine did not finish within 60 s after close");
            }
            metrics.streaming.set(0);
            thread.shutdownNow();
            producer.close(Duration.ofSeconds(10));
            topics.close();
        }

        private static void sleepQuietly(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static Map<String, Object> producerProperties(CaptureConfig config) {
        Map<String, Object> p = config.kafka().clientProperties("cdc-capture");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(64L * 1024 * 1024, 2L * config.maxMessageBytes()));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, config.maxMessageBytes());
        // Keep retrying a broker outage for a while before failing the engine (which then restarts).
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return p;
    }
}
