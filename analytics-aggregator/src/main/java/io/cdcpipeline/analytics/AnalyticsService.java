package io.cdcpipeline.analytics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.db.Database;
import io.cdcpipeline.common.db.Priority;
import io.cdcpipeline.common.kafka.ConsumerLoop;
import io.cdcpipeline.common.kafka.DeadLetterQueue;
import io.cdcpipeline.common.kafka.DeadLetterReplay;
import io.cdcpipeline.common.kafka.TopicAdmin;
import io.cdcpipeline.common.metrics.MetricsServer;
import io.cdcpipeline.common.service.Service;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;

/**
 * {@code analytics-aggregator}: the Kafka Streams topology ({@link DailyStatsTopology}), the sink
 * that upserts its counts ({@link DailyStatsSink}) and the debounced view refresh
 * ({@link ViewRefresher}), in one process.
 */
public final class AnalyticsService {

    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsService.class);

    /** How often new Kafka Streams metrics (a task's, after a rebalance) are looked for and exported. */
    private static final Duration STREAMS_METRICS_REFRESH = Duration.ofSeconds(5);

    private AnalyticsService() {
    }

    public static void main(String[] args) {
        System.exit(command(System.getenv(), new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true))
                .execute(args));
    }

    /** {@code analytics [replay-dead-letters]}: the command tree of this service, reading {@code env}. */
    public static picocli.CommandLine command(Map<String, String> env, java.io.PrintWriter out, java.io.PrintWriter err) {
        return io.cdcpipeline.common.cli.ServiceCommand.of("analytics", "analytics-aggregator", "Kafka Streams counts of the"
                + " example's article views, comments and favorites per day into analytics.article_daily_stats, and the"
                + " refresh of its materialized view.", AnalyticsConfig.settings(), AnalyticsService::create,
                env, out, err, DeadLetterReplay.subcommand("analytics-aggregator", AnalyticsConfig::replayTarget, env, out));
    }

    /** Sum of records-lag over the stream threads' main consumers (not the restore consumers); NaN values are partitions not fetched yet. */
    static double topologyLag(KafkaStreams streams) {
        double total = 0;
        for (var e : streams.metrics().entrySet()) {
            var name = e.getKey();
            String client = name.tags().getOrDefault("client-id", "");
            if ("records-lag".equals(name.name()) && "consumer-fetch-manager-metrics".equals(name.group()) && client.endsWith("-consumer")
                    && !client.endsWith("-restore-consumer") && e.getValue().metricValue() instanceof Number n
                    && Double.isFinite(n.doubleValue())) {
                total += n.doubleValue();
            }
        }
        return total;
    }

    /** The running service, wired exactly as in production (the launcher and tests use this too). */
    public static Service create(Map<String, String> env) throws Exception {
        AnalyticsConfig config = AnalyticsConfig.from(env);
        MetricsServer metrics = MetricsServer.start(config.metrics(), "analytics-aggregator");
        Database db = Database.open(config.database(), metrics.registry(), EnumSet.of(Priority.STANDARD, Priority.BULK));
        Map<String, Integer> partitions = createTopics(config);

        Counter events = Counter.builder("analytics.events.aggregated").description("change events read by the topology")
                .register(metrics.registry());
        Counter stale = Counter.builder("analytics.changes.stale")
                .description("changes left out: older than the version of their row already applied (replayed dead letters)")
                .register(metrics.registry());
        LocalState localState = new LocalState(config.stateDir(), config.applicationId());
        List<String> discarded = localState.discardIfLastRunCrashed();
        if (!discarded.isEmpty()) {
            LOG.info("the last run did not close cleanly: the local state of tasks {} was deleted; they restore from their changelogs",
                    discarded);
        }
        KafkaStreams streams = new KafkaStreams(DailyStatsTopology.build(new DailyStatsTopology.Inputs(config.topicPrefix(),
                config.statsTopic(), DeadLetterQueue.replayTopic(config.deadLetterTopic()), partitions::get, events, stale)),
                streamsProperties(config));
        // Kafka Streams makes its task metrics only once tasks are assigned; Micrometer looks for new ones every
        // minute by default, which left the dashboard's dropped-records panel empty for the first minute of a run.
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams, List.of(),
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "streams-metrics-refresh");
                    t.setDaemon(true);
                    return t;
                }), STREAMS_METRICS_REFRESH);
        streamsMetrics.bindTo(metrics.registry());
        // The topology's own consumer lag under the name every consumer service uses, so one alert covers all.
        Gauge.builder("consumer.lag.records", streams, AnalyticsService::topologyLag).tag("consumer", "analytics-topology")
                .description("records on the assigned partitions not yet consumed (the consumer's own view)").strongReference(true)
                .register(metrics.registry());

        Counter upserted = Counter.builder("analytics.rows.upserted").description("article_daily_stats rows written")
                .register(metrics.registry());
        Counter skipped = Counter.builder("analytics.rows.skipped")
                .description("article_daily_stats rows left alone: they hold counts of the same or a later stats-topic position")
                .register(metrics.registry());
        // The stats to upsert, and the articles the view joins (a change of them makes the view stale).
        Pattern sinkTopics = Pattern.compile(Pattern.quote(config.statsTopic()) + "|" + Pattern.quote(config.articlesTopic()));
        ConsumerLoop sink = new ConsumerLoop(new ConsumerLoop.Settings("analytics-sink", config.kafka(),
                config.applicationId() + "-db-sink", sinkTopics, 5000, 16 * 1024 * 1024, Duration.ofMillis(500),
                Duration.ofSeconds(30)), new DailyStatsSink(db.standard(), config.statsTopic(), upserted, skipped), metrics.registry());
        ViewRefresher refresher = new ViewRefresher(db, config.refreshInterval(), config.refreshTimeout(),
                config.applicationId() + "@" + UUID.randomUUID().toString().substring(0, 8), metrics.registry());

        metrics.addReadinessCheck("streams", () -> streams.state() == KafkaStreams.State.RUNNING);
        metrics.addReadinessCheck("database", () -> db.isReachable(1000));
        metrics.addReadinessCheck("group", sink::joined);
        Service.RunLoop run = () -> {
            streams.setUncaughtExceptionHandler(e -> {
                LOG.error("analytics topology failed: {}", e.getMessage(), e);
                return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            streams.start();
            try {
                sink.run();
            } finally {
                // A stop hands the tasks over at once, static member or not; a crash (no close) leaves
                // them for this instance's restart (same KAFKA_GROUP_INSTANCE_ID) or the session timeout.
                if (streams.close(org.apache.kafka.streams.CloseOptions.timeout(Duration.ofSeconds(30)).withGroupMembershipOperation(
                        org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP))) {
                    localState.markClosedCleanly();
                }
            }
        };
        return Service.of(run, sink::stop, metrics, db, refresher, streamsMetrics);
    }

    static Properties streamsProperties(AnalyticsConfig config) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
        // TLS and SASL for every client Kafka Streams makes.
        p.putAll(config.kafka().security());
        // Each input record changes the state stores and the output topic exactly once, even across crashes.
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        // One native memory budget for every RocksDB store (the defaults grow with the state, off the heap).
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, (int) config.commitInterval().toMillis());
        // -1: the broker's default.replication.factor
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.replicationFactor().map(Short::intValue).orElse(-1));
        // A record that is not an envelope goes to the dead-letter topic (with the error in its headers); the stream continues.
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        p.put(DeadLetterHandler.TOPIC, config.deadLetterTopic());
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        // Static membership and the session of the main consumer (Streams suffixes the instance id per stream thread).
        config.kafka().membership().consumerProperties().forEach((k, v) -> p.put(StreamsConfig.mainConsumerPrefix(k), v));
        return p;
    }

    /**
     * Creates the stats, dead-letter and replay topics (this service's own), waits for the counted
     * change topics, which cdc-capture owns and creates with its configuration, and returns their
     * partition counts (the replayed dead letters are spread like them).
     */
    private static Map<String, Integer> createTopics(AnalyticsConfig config) throws InterruptedException {
        try (Admin admin = Admin.create(config.kafka().clientProperties("analytics-admin"))) {
            TopicAdmin.ensure(admin, new NewTopic(config.statsTopic(), java.util.Optional.of(config.partitions()), config.replicationFactor())
                    .configs(Map.of("cleanup.policy", "compact")));
            TopicAdmin.ensure(admin, new NewTopic(config.deadLetterTopic(), java.util.Optional.of(1), config.replicationFactor()));
            TopicAdmin.ensure(admin, new NewTopic(DeadLetterQueue.replayTopic(config.deadLetterTopic()), java.util.Optional.of(1),
                    config.replicationFactor()));
            TopicAdmin.awaitExisting(admin, config.countedTopics(), "cdc-capture", LOG);
            Map<String, Integer> partitions = new java.util.HashMap<>();
            admin.describeTopics(config.countedTopics()).allTopicNames().get(30, java.util.concurrent.TimeUnit.SECONDS)
                    .forEach((name, description) -> partitions.put(name, description.partitions().size()));
            return partitions;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot describe the counted topics: " + e.getMessage(), e);
        }
    }
}
