package io.cdcpipeline.audit;

import java.io.PrintWriter;
import java.security.PrivateKey;
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

import io.cdcpipeline.audit.checkpoint.CheckpointKeys;
import io.cdcpipeline.audit.checkpoint.CheckpointTopic;
import io.cdcpipeline.audit.history.HistoryCommand;
import io.cdcpipeline.audit.personal.EraseCommand;
import io.cdcpipeline.common.cli.ServiceCommand;
import io.cdcpipeline.common.config.ConfigurationException;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.Database;
import io.cdcpipeline.common.db.Priority;
import io.cdcpipeline.common.kafka.ConsumerLoop;
import io.cdcpipeline.common.kafka.DeadLetterQueue;
import io.cdcpipeline.common.kafka.DeadLetterReplay;
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
        System.exit(command(System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args));
    }

    /** {@code audit [verify | keygen | retain | history | erase | replay-dead-letters]}: the command tree of this service, reading {@code env}. */
    public static CommandLine command(Map<String, String> env, PrintWriter out, PrintWriter err) {
        return ServiceCommand.of("audit", "audit-sink", "Change topics to the hash-chained audit log (audit.change_log),"
                + " one row per change, exactly once.", AuditSinkConfig.settings(), AuditSinkService::create, env, out, err,
                new Verify(env, out), new Keygen(out), new AuditRetention.Command(env, out),
                new HistoryCommand(env, out), new EraseCommand(env, out),
                DeadLetterReplay.subcommand("audit-sink", AuditSinkConfig::replayTarget, env, out));
    }

    /** The running service, wired exactly as in production (the launcher and tests use this too). */
    public static Service create(Map<String, String> env) throws Exception {
        AuditSinkConfig config = AuditSinkConfig.from(env);
        MetricsServer metrics = MetricsServer.start(config.metrics(), "audit-sink");
        Database db = Database.open(config.database(), metrics.registry(), EnumSet.of(Priority.CRITICAL));
        DeadLetterQueue dlq = new DeadLetterQueue(config.kafka(), "audit-sink", config.deadLetterTopic(), config.replicationFactor(),
                metrics.registry());
        AuditSinkConfig.Checkpoints cp = config.checkpoints();
        PrivateKey key = CheckpointKeys.readPrivate(cp.keyFile());
        CheckpointPublisher checkpoints = new CheckpointPublisher(db.critical(), key, cp.directory(),
                new CheckpointTopic(config.kafka(), cp.topic(), config.replicationFactor()), metrics.registry());
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("audit-checkpoints"));
        publisher.scheduleWithFixedDelay(checkpoints::publish, cp.interval().toMillis(), cp.interval().toMillis(),
                TimeUnit.MILLISECONDS);
        AuditWriter writer = new AuditWriter(db.critical(), config.consumerGroup(), config.parser(), dlq, checkpoints,
                new AuditMetrics(metrics.registry()), config.parallelWriters(), config.chainTakeoverAfter());
        ConsumerLoop loop = new ConsumerLoop(new ConsumerLoop.Settings("audit-sink", config.kafka(), config.consumerGroup(),
                config.topics(), config.batchRecords(), config.batchBytes(), java.time.Duration.ofMillis(500),
                java.time.Duration.ofSeconds(30)), writer, metrics.registry());
        metrics.addReadinessCheck("database", () -> db.isReachable(1000));
        // Not ready while the group has not let this instance in (after a restart: the dead member's session).
        metrics.addReadinessCheck("group", loop::joined);
        // Closed in reverse: the writer, then a last checkpoint round (which still needs the pool), then the pool.
        return Service.of(loop::run, loop::stop, metrics, db, dlq, checkpoints, publisher::shutdownNow, writer);
    }

    /** {@code verify --every}: the chains verified on a schedule, results on /metrics (the local pipeline runs it too). */
    public static Service scheduledVerification(Map<String, String> env, Duration every) {
        return ScheduledVerification.create(env, Optional.empty(), Optional.empty(), every);
    }

    static int verify(Map<String, String> env, PrintWriter out, String... args) {
        return run(new Verify(env, out), args);
    }

    /** One subcommand on its own (tests), with the exit codes of the whole tree. */
    static int run(Object command, String... args) {
        return ServiceCommand.configure(new CommandLine(command), new PrintWriter(System.out, true), new PrintWriter(System.err, true))
                .execute(args);
    }

    @Command(name = "keygen", description = "Write a new Ed25519 checkpoint key pair: the private key (mode 0600) for"
            + " AUDIT_CHECKPOINT_KEY_FILE, the public key for AUDIT_CHECKPOINT_PUBLIC_KEY_FILE.")
    static final class Keygen implements Callable<Integer> {
        private final PrintWriter out;

        @Option(names = "--private", paramLabel = "FILE", required = true, description = "where the private key goes")
        java.nio.file.Path privateFile;

        @Option(names = "--public", paramLabel = "FILE", required = true, description = "where the public key goes")
        java.nio.file.Path publicFile;

        Keygen(PrintWriter out) {
            this.out = out;
        }

        @Override
        public Integer call() throws Exception {
            java.security.KeyPair pair = CheckpointKeys.generate();
            CheckpointKeys.writePrivate(privateFile, pair.getPrivate());
            CheckpointKeys.writePublic(publicFile, pair.getPublic());
            out.println("private key: " + privateFile + " (keep it with the sink only, never in the database or its backups)");
            out.println("public key:  " + publicFile + " (all verify needs; keep a copy with the checkpoint archive)");
            return 0;
        }
    }

    @Command(name = "verify", description = "Recompute the audit log's hash chains and report the first broken link of each.")
    static final class Verify implements Callable<Integer> {
        private final Map<String, String> env;
        private final PrintWriter out;

        @Option(names = "--from", paramLabel = "TIME", description = "start each chain at its newest signed checkpoint"
                + " committed before this ISO-8601 instant")
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
            ChainVerifier.Report report = target.verify(Optional.ofNullable(from), Optional.ofNullable(table));
            out.printf("verified %d rows in %d chains against %d signed checkpoints%n", report.rows(), report.chains(),
                    report.checkpoints());
            report.notes().forEach(n -> out.println("note: " + n));
            report.problems().forEach(p -> out.println("BROKEN " + p));
            return report.ok() ? 0 : 1;
        }

        private static Duration parseDuration(String text) {
            return Periodic.parseInterval(text).orElseThrow(() -> new ConfigurationException("audit-sink verify",
                    java.util.List.of("--every expects a positive duration such as 30m, 6h or 1d, not '" + text + "'")));
        }
    }
}
