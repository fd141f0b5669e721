package io.cdcpipeline.bench;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import io.cdcpipeline.bench.oracle.OracleBenchmark;
import io.cdcpipeline.common.cli.ServiceCommand;
import io.cdcpipeline.common.cli.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./cdc-pipeline bench <name>}: runs one benchmark on embedded servers and prints its
 * figures, each next to a baseline measured in the same run (these machines are noisy: ratios,
 * not absolute numbers, are what to compare across runs). Its own jar (JMH-free, but with the
 * test kit and the baselines' code), so the launcher stays small; the command tree behaves as
 * the launcher's: {@code --help} and {@code --version} everywhere, exit 2 on an unknown option.
 */
@Command(name = "cdc-pipeline bench", versionProvider = Version.class,
        description = "Benchmarks on embedded servers, each against a baseline measured in the same run.",
        subcommands = {Bench.EndToEnd.class, Bench.History.class, Bench.Capture.class, Bench.Audit.class, Bench.Analytics.class, Bench.Cache.class, Bench.Parse.class,
            OracleBenchmark.class})
public final class Bench implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a benchmark: the usage, and exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("Missing benchmark: name one.");
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return ServiceCommand.configure(new CommandLine(new Bench()), out, err);
    }

    public static void main(String[] args) {
        // The services' jars bring the common logback.xml (INFO for the pipeline); a benchmark prints
        // its own figures and only the pipeline's warnings, before any logger exists.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-bench.xml");
        }
        System.exit(commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args));
    }

    @Command(name = "e2e", description = "The whole pipeline (capture + audit-sink) against stock Kafka Connect with the"
            + " Debezium source and JDBC sink: backlog drain, commit-to-row latency at steady rates, CPU per change, memory;"
            + " then ours with analytics-aggregator and cache-invalidator too.")
    static final class EndToEnd implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--changes", paramLabel = "N", description = "changes in the backlog, a multiple of 100"
                + " (default: ${DEFAULT-VALUE})")
        int changes = 200_000;

        @Option(names = "--seconds", paramLabel = "S", description = "length of each steady phase (default: ${DEFAULT-VALUE})")
        int seconds = 30;

        @Option(names = "--rates", paramLabel = "R", split = ",", description = "steady rates in changes/s"
                + " (default: ${DEFAULT-VALUE})")
        List<Integer> rates = List.of(1000, 5000);

        @Option(names = "--pipelines", paramLabel = "P", split = ",", description = "which pipelines to run: ours, stock"
                + " (default: ${DEFAULT-VALUE}); ours alone is for tuning, its figures are not a comparison")
        Set<String> pipelines = new LinkedHashSet<>(List.of(EndToEndBenchmark.OURS, EndToEndBenchmark.STOCK));

        @Option(names = "--profile", paramLabel = "DIR", description = "write a flight recording (JFR) of each of ours' JVMs to DIR"
                + " (read with: jfr print --events jdk.ExecutionSample FILE)")
        Path profile;

        @Option(names = "--no-whole-pipeline", description = "leave out the last phase: ours once more at the first rate with"
                + " analytics-aggregator and cache-invalidator too (commit -> key deleted and -> counted, from probes)")
        boolean noWholePipeline;

        @Option(names = "--fresh-wal", description = "run on the fresh cluster's WAL as it is (every segment created by zero-filling"
                + " it in a committing backend) instead of recycled segments, as on a server that has run through checkpoints")
        boolean freshWal;

        @Override
        public Integer call() throws Exception {
            if (!pipelines.contains(EndToEndBenchmark.OURS) || !List.of(EndToEndBenchmark.OURS, EndToEndBenchmark.STOCK).containsAll(pipelines)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--pipelines takes ours or ours,stock, not " + pipelines);
            }
            EndToEndBenchmark.run(new EndToEndBenchmark.Options(changes, seconds, rates, pipelines, profile, !noWholePipeline,
                    freshWal));
            return 0;
        }
    }

    @Command(name = "history", description = "One row's history (audit.row_history, audit.row_as_of) on a generated audit log of"
            + " --rows rows, as read_only_user calls them, against the former index layout on the same rows.")
    static final class History implements Callable<Integer> {
        @Option(names = "--rows", paramLabel = "N", description = "audit rows to generate (default: ${DEFAULT-VALUE})")
        long rows = 10_000_000;

        @Option(names = "--lookups", paramLabel = "N", description = "random keys looked up per function (default: ${DEFAULT-VALUE})")
        int lookups = 1_000;

        @Override
        public Integer call() throws Exception {
            HistoryBenchmark.run(rows, lookups);
            return 0;
        }
    }

    @Command(name = "capture", description = "cdc-capture against a bare Debezium engine on the same backlog of the same slot type.")
    static final class Capture implements Callable<Integer> {
        @Option(names = "--changes", paramLabel = "N", description = "changes in the backlog (default: ${DEFAULT-VALUE})")
        int changes = 200_000;

        @Override
        public Integer call() throws Exception {
            CaptureBenchmark.main(new String[] {"--changes", Integer.toString(changes)});
            return 0;
        }
    }

    @Command(name = "audit", description = "audit-sink against writing one row per transaction, on the same events; then"
            + " commit-to-audit-row latency of capture and audit-sink at a steady rate.")
    static final class Audit implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            AuditBenchmark.main(new String[0]);
            return 0;
        }
    }

    @Command(name = "analytics", description = "analytics-aggregator on a million view events; the view's refresh against the seed's"
            + " definition on the same data.")
    static final class Analytics implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            AnalyticsBenchmark.main(new String[0]);
            return 0;
        }
    }

    @Command(name = "cache", description = "cache-invalidator against deleting key by key; commit-to-deleted latency; reads"
            + " through the cache against PostgreSQL.")
    static final class Cache implements Callable<Integer> {
        @Option(names = "--fresh-wal", description = "measure the latency on the fresh cluster's WAL as it is (every segment"
                + " created by zero-filling it in a committing backend) instead of recycled segments, as on a server that has"
                + " run through checkpoints")
        boolean freshWal;

        @Override
        public Integer call() throws Exception {
            CacheBenchmark.run(freshWal);
            return 0;
        }
    }

    @Command(name = "parse", description = "the shared change-event parser and audit-sink's reader against their earlier"
            + " readers, CPU per record, no servers.")
    static final class Parse implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            ParseBenchmark.main(new String[0]);
            return 0;
        }
    }
}
