package io.cdcpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The README's script, as a user runs it: the command tree behind it, exit codes included. */
class ScriptIT {

    private static final Path SCRIPT = Path.of("..", "cdc-pipeline").toAbsolutePath().normalize();

    private record Run(int code, String output) {
    }

    private static Run run(Map<String, String> env, String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = SCRIPT.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // Only what a shell needs: every service setting is unset.
        builder.environment().keySet().removeIf(name -> !name.equals("PATH") && !name.equals("JAVA_HOME") && !name.equals("HOME"));
        builder.environment().putAll(env);
        Process p = builder.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Run(p.exitValue(), output);
    }

    @Test
    void shouldListTheCommandsAndExitZero() throws Exception {
        Run help = run(Map.of(), "--help");
        assertThat(help.code()).as(help.output()).isZero();
        assertThat(help.output()).contains("Usage: cdc-pipeline", "up", "demo", "schema", "capture", "audit", "analytics", "cache",
                "reference", "bench");
    }

    @Test
    void shouldNameAMissingVariableAndExitTwo() throws Exception {
        Run capture = run(Map.of(), "capture");
        assertThat(capture.code()).as(capture.output()).isEqualTo(2);
        assertThat(capture.output()).contains("DB_HOST");
        Run snapshotHelp = run(Map.of(), "capture", "snapshot", "--help");
        assertThat(snapshotHelp.code()).as(snapshotHelp.output()).isZero();
        assertThat(snapshotHelp.output()).contains("Usage: cdc-pipeline capture snapshot");
    }
}
