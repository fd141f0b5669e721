package io.cdcpipeline.bench;

/**
 * {@code ./cdc-pipeline bench <name>}: runs one benchmark on embedded servers and prints its
 * figures, each next to a baseline measured in the same run (these machines are noisy: ratios,
 * not absolute numbers, are what to compare across runs).
 */
public final class Bench {

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        String name = args.length == 0 ? "" : args[0];
        switch (name) {
            case "capture" -> CaptureBenchmark.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            case "audit" -> AuditBenchmark.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            case "analytics" -> AnalyticsBenchmark.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            case "cache" -> CacheBenchmark.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            case "parse" -> ParseBenchmark.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            case "oracle" -> io.cdcpipeline.bench.oracle.OracleBenchmark.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            default -> {
                System.err.println("usage: cdc-pipeline bench capture [--changes N] | audit | analytics | cache | parse"
                        + " | oracle [--minutes N] [--seed S]");
                System.exit(2);
            }
        }
    }
}
