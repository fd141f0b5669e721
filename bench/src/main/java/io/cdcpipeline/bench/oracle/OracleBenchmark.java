package io.cdcpipeline.bench.oracle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.cdcpipeline.testkit.EmbeddedInfrastructure;

/**
 * {@code ./cdc-pipeline bench oracle [--minutes N] [--seed S] [--workers W]}: the differential
 * check of {@code DifferentialIT}, longer and with every fault: capture, an audit-sink instance and
 * analytics-aggregator killed with SIGKILL, PostgreSQL and the Kafka broker restarted, an audit-sink
 * instance added and removed, one fault a minute in turn while the workload writes. Prints the seed (a failure replays with
 * {@code --seed}), the changes checked, the faults injected and the mismatches; exits 1 on any.
 */
@Command(name = "oracle", mixinStandardHelpOptions = true,
        description = "Compare the audit log with an independent oracle under a random workload with faults injected.")
public final class OracleBenchmark implements Callable<Integer> {

    private static final List<String> FAULTS = List.of(OracleRun.KILL_CAPTURE, OracleRun.KILL_SINK, OracleRun.RESTART_POSTGRES,
            OracleRun.ADD_SINK, OracleRun.KILL_ANALYTICS, OracleRun.RESTART_KAFKA, OracleRun.REMOVE_SINK);

    @Option(names = "--minutes", description = "how long the workload writes (default: ${DEFAULT-VALUE})")
    int minutes = 10;

    @Option(names = "--seed", description = "the workload's seed (default: random, printed)")
    Long seed;

    @Option(names = "--workers", description = "concurrent connections writing (default: ${DEFAULT-VALUE})")
    int workers = 3;

    @Option(names = "--pause-ms", description = "each connection's pause between transactions, so that capture keeps up"
            + " on a small machine and the slot stays within max_slot_wal_keep_size (default: ${DEFAULT-VALUE})")
    long pauseMillis = 100;

    public static void main(String[] args) {
        System.exit(new CommandLine(new OracleBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        long s = seed != null ? seed : ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        System.out.printf("oracle run: seed %d, %d minutes, %d workers (replay with --seed %d)%n", s, minutes, workers, s);
        List<String> faults = new ArrayList<>();
        for (int i = 0; i < Math.max(FAULTS.size(), minutes - 1); i++) {
            faults.add(FAULTS.get(i % FAULTS.size()));
        }
        if (faults.get(faults.size() - 1).equals(OracleRun.ADD_SINK)) {
            faults.add(OracleRun.REMOVE_SINK);
        }
        Path work = Files.createTempDirectory("cdc-oracle-");
        try (EmbeddedInfrastructure infra = EmbeddedInfrastructure.create().startAll()) {
            OracleRun run = OracleRun.prepare(infra, "oracle_bench", work);
            OracleRun.Result result;
            try {
                result = run.run(new OracleRun.Settings(s, workers, 0, Duration.ofMinutes(minutes), faults, pauseMillis));
            } finally {
                run.stop();
            }
            System.out.println(result.describe());
            long mismatches = result.audit().missing().size() + result.audit().unexpected().size();
            System.out.printf("%nRESULT oracle seed %d: %,d changes checked (%,d audit rows), %d faults injected, %d mismatches,"
                            + " verify exit %d, %d analytics differences, %d stale cache entries (%,d cache reads)%n", s,
                    result.audit().expected(), result.audit().audited(), result.faultsInjected().size(), mismatches,
                    result.verifyExitCode(), result.analytics().size(), result.staleCacheEntries().size(), result.cacheReads());
            if (!result.exact()) {
                System.out.println("service logs kept in " + work);
                return 1;
            }
        }
        return 0;
    }
}
