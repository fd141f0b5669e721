package io.cdcpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/** {@code cdc-pipeline bench}: the same command-line behaviour as the launcher's tree (no benchmark runs). */
class BenchCommandTest {

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Bench.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void shouldPrintTheUsageOfEveryBenchmarkAndExitZero() {
        CommandLine tree = Bench.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        assertThat(tree.getSubcommands().keySet()).containsExactlyInAnyOrder("e2e", "history", "capture", "audit", "analytics", "cache", "parse",
                "oracle");
        Result root = run("--help");
        assertThat(root.code()).isZero();
        assertThat(root.out()).contains("Usage: cdc-pipeline bench", "capture", "oracle");
        for (String name : tree.getSubcommands().keySet()) {
            Result help = run(name, "--help");
            assertThat(help.code()).as(name).isZero();
            assertThat(help.out()).as(name).contains("Usage: cdc-pipeline bench " + name);
            assertThat(run(name, "--version").code()).as(name).isZero();
        }
    }

    @Test
    void shouldRefuseAnUnknownOptionOrNoBenchmarkWithExitTwo() {
        Result unknown = run("capture", "--chnages", "5");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown option", "--chnages");
        Result none = run();
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("Missing benchmark");
    }
}
