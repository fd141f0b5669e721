package io.cdcpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/** Every command of {@code cdc-pipeline}: help, version, unknown options, missing settings. */
class CommandTreeTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CdcPipelineCli.commandLine(env, new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** The word paths of every command in the tree, e.g. [audit, verify]. */
    private static List<List<String>> commands() {
        List<List<String>> all = new ArrayList<>();
        collect(CdcPipelineCli.commandLine(Map.of(), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())),
                new ArrayList<>(), all);
        return all;
    }

    private static void collect(CommandLine cli, List<String> path, List<List<String>> all) {
        all.add(List.copyOf(path));
        cli.getSubcommands().forEach((name, sub) -> {
            List<String> next = new ArrayList<>(path);
            next.add(name);
            collect(sub, next, all);
        });
    }

    private static String[] with(List<String> path, String... more) {
        List<String> args = new ArrayList<>(path);
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void shouldHaveEveryCommandOfTheIssue() {
        assertThat(commands()).contains(List.of("up"), List.of("demo"), List.of("schema", "migrate"), List.of("schema", "enroll"),
                List.of("capture"), List.of("capture", "snapshot"), List.of("audit"), List.of("audit", "verify"),
                List.of("audit", "keygen"), List.of("audit", "retain"), List.of("audit", "replay-dead-letters"), List.of("audit", "history"), List.of("audit", "erase"),
                List.of("analytics"), List.of("analytics", "replay-dead-letters"), List.of("cache"),
                List.of("cache", "replay-dead-letters"), List.of("reference"));
    }

    @Test
    void shouldPrintUsageForHelpAndExitZeroOnEveryCommand() {
        for (List<String> command : commands()) {
            Run help = run(Map.of(), with(command, "--help"));
            assertThat(help.code()).as("%s --help: %s", command, help.err()).isZero();
            assertThat(help.out()).as("%s --help", command).contains("Usage: ", "--help", "--version");
            Run version = run(Map.of(), with(command, "--version"));
            assertThat(version.code()).as("%s --version", command).isZero();
            assertThat(version.out()).as("%s --version", command).startsWith("cdc-pipeline ").doesNotContain("unknown");
        }
    }

    @Test
    void shouldRefuseAnUnknownOptionWithExitTwoAndAHintOnEveryCommand() {
        for (List<String> command : commands()) {
            Run unknown = run(Map.of(), with(command, "--no-such-option"));
            assertThat(unknown.code()).as("%s --no-such-option", command).isEqualTo(2);
            // A command with a required option or parameter reports that first; either way the usage follows.
            assertThat(unknown.err()).as("%s --no-such-option", command).contains("Usage: ")
                    .containsAnyOf("Unknown option: '--no-such-option'", "Missing required");
        }
    }

    @Test
    void shouldListEachServicesEnvironmentVariablesInItsHelp() {
        assertThat(run(Map.of(), "capture", "--help").out()).contains("Environment variables", "DB_HOST", "CAPTURE_SLOT_NAME",
                "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SASL_PASSWORD (secret; or KAFKA_SASL_PASSWORD_FILE)");
        assertThat(run(Map.of(), "audit", "--help").out()).contains("AUDIT_CHECKPOINT_KEY_FILE", "AUDIT_SCHEMAS");
        assertThat(run(Map.of(), "analytics", "--help").out()).contains("ANALYTICS_STATE_DIR");
        assertThat(run(Map.of(), "cache", "--help").out()).contains("REDIS_URL", "CACHE_KEY_PREFIX");
    }

    @Test
    void shouldNameTheMissingVariableAndExitTwo() {
        Run capture = run(Map.of(), "capture");
        assertThat(capture.code()).isEqualTo(2);
        assertThat(capture.err()).contains("DB_HOST", "KAFKA_BOOTSTRAP_SERVERS");
        Run cache = run(Map.of(), "cache");
        assertThat(cache.code()).isEqualTo(2);
        assertThat(cache.err()).contains("REDIS_URL");
        Run audit = run(Map.of(), "audit");
        assertThat(audit.code()).isEqualTo(2);
        assertThat(audit.err()).contains("AUDIT_CHECKPOINT_KEY_FILE");
        Run migrate = run(Map.of(), "schema", "migrate");
        assertThat(migrate.code()).isEqualTo(2);
        assertThat(migrate.err()).contains("DB_HOST");
    }

    @Test
    void shouldShowUsageWithoutACommand() {
        Run none = run(Map.of());
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("Missing command", "up", "schema", "capture", "audit", "analytics", "cache", "bench");
    }
}
