package io.cdcpipeline.audit;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.cdcpipeline.common.config.ConfigurationException;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.Database;
import io.cdcpipeline.common.db.Priority;
import io.cdcpipeline.common.kafka.ConsumerLoop;
import io.cdcpipeline.common.kafka.DeadLetterQueue;
import io.cdcpipeline.common.metrics.MetricsServer;
import io.cdcpipeline.common.service.DaemonThreads;
import io.cdcpipeline.common.service.Periodic;
import io.cdcpipeline.common.service.Service;
import io.cdcpipeline.common.service.ServiceRunner;

/**
 * {@code audit-sink}: consumes the change topics into {@code audit.change_log}.
 * {@code audit-sink verify [--from TIME] [--table T]}: recomputes the hash chains; exit 1 when one
 * is broken, naming the first broken link of each.
 */
public final class AuditSinkService {

    private AuditSinkService() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("verify")) {
            System.exit(verify(System.getenv(), new PrintWriter(System.out, true), java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        ServiceRunner.run("audit-sink", AuditSinkService::create);
    }

    /** The running service, wired exactly as in production (the launcher and tests use this too). */
    public static Service create(Map<String, String> env) throws Exception {
        AuditSinkConfig config = AuditSinkConfig.from(env);
        MetricsServer metrics = MetricsServer.start(config.metrics(), "audit-sink");
        Database db = Database.open(config.database(), metrics.registry(), EnumSet.of(Priority.CRITICAL));
        DeadLetterQueue dlq = new DeadLetterQueue(config.kafka(), "audit-sink", config.replicationFactor(), metrics.registry());
        ChainHeads heads = new ChainHeads(config.kafka(), config.chainHeadsTopic(), config.replicationFactor());
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("audit-chain-heads"));
        publisher.scheduleWithFixedDelay(heads::publish, config.chainHeadsInterval().toMillis(),
                config.chainHeadsInterval().toMillis(), TimeUnit.MILLISECONDS);
        EnvelopeParser parser = new EnvelopeParser(config.messageTopic(), config.includeSnapshots(), config.maskedColumns(),
                config.dropMasked());
        AuditWriter writer = new AuditWriter(db.critical(), config.consumerGroup(), parser, dlq, heads,
                new AuditMetrics(metrics.registry()), config.parallelWriters());
        ConsumerLoop loop = new ConsumerLoop(new ConsumerLoop.Settings("audit-sink", config.kafka(), config.consumerGroup(),
                config.topics(), config.batchRecords(), config.batchBytes(), java.time.Duration.ofMillis(500),
                java.time.Duration.ofSeconds(30)), writer, metrics.registry());
        metrics.addReadinessCheck("database", () -> db.isReachable(1000));
        return Service.of(loop::run, loop::stop, metrics, db, dlq, heads, publisher::shutdownNow, writer);
    }

    /** {@code verify --every}: the chains verified on a schedule, results on /metrics (the local pipeline runs it too). */
    public static Service scheduledVerification(Map<String, String> env, Duration every) {
        return ScheduledVerification.create(env, Optional.empty(), Optional.empty(), every);
    }

    static int verify(Map<String, String> env, PrintWriter out, String... args) {
        CommandLine cli = new CommandLine(new Verify(env, out));
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            out.println("audit-sink verify failed: " + e.getMessage());
            return e instanceof ConfigurationException ? 2 : 1;
        });
        return cli.execute(args);
    }

    @Command(name = "verify", description = "Recompute the audit log's hash chains and report the first broken link of each.")
    static final class Verify implements Callable<Integer> {
        private final Map<String, String> env;
        private final PrintWriter out;

        @Option(names = "--from", paramLabel = "TIME", description = "only rows committed at or after this ISO-8601 instant")
        Instant from;

        @Option(names = "--table", paramLabel = "SCHEMA.TABLE", description = "only the chains of this table")
        String table;

        @Option(names = "--every", paramLabel = "DURATION", description = "verify now and then every DURATION (s, m, h or d"
                + " suffix), exporting the results on /metrics (METRICS_PORT, default 9407) until stopped")
        String every;

        Verify(Map<String, String> env, PrintWriter out) {
            this.env = env;
            this.out = out;
        }

        @Override
        public Integer call() throws Exception {
            if (every != null) {
                Duration interval = parseDuration(every);
                return ServiceRunner.runUntilStopped("audit-verify", e -> ScheduledVerification.create(e, Optional.ofNullable(from),
                        Optional.ofNullable(table), interval), env);
            }
            Settings settings = new Settings(env);
            VerificationTarget target = VerificationTarget.read(settings, "audit-sink-verify");
            settings.validate("audit-sink verify");
            Map<String, ChainHeads.Head> heads = target.publishedHeads();
            ChainVerifier.Report report = target.verify(Optional.ofNullable(from), Optional.ofNullable(table), heads);
            out.printf("verified %d rows in %d chains%s%n", report.rows(), report.chains(),
                    heads.isEmpty() ? " (no published chain heads: a removed tail cannot be detected)" : ", against "
                            + heads.size() + " published chain heads");
            report.problems().forEach(p -> out.println("BROKEN " + p));
            return report.ok() ? 0 : 1;
        }

        private static Duration parseDuration(String text) {
            return Periodic.parseInterval(text).orElseThrow(() -> new ConfigurationException("audit-sink verify",
                    java.util.List.of("--every expects a positive duration such as 30m, 6h or 1d, not '" + text + "'")));
        }
    }
}
