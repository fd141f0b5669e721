package io.cdcpipeline.launcher;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

import io.cdcpipeline.analytics.AnalyticsService;
import io.cdcpipeline.audit.AuditSinkService;
import io.cdcpipeline.cache.CacheInvalidatorService;
import io.cdcpipeline.capture.CaptureService;
import io.cdcpipeline.common.cli.ServiceCommand;
import io.cdcpipeline.common.cli.Version;
import io.cdcpipeline.schema.SchemaCli;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cdc-pipeline <command> [subcommand]}: one command tree for everything the launcher jar
 * runs. {@code --help} and {@code --version} work on every command and exit 0; an unknown option
 * exits 2 with a hint; a service command names the variable it misses and exits 2.
 */
@Command(name = "cdc-pipeline", versionProvider = Version.class,
        description = "Captures every change of a PostgreSQL database into Kafka, and keeps an audit log, analytics tables"
                + " and a Redis cache correct from it.",
        footer = {"", "Benchmarks: ./cdc-pipeline bench --help (the bench module's own jar).",
            "Every service command reads its settings from environment variables: <command> --help lists them."})
public final class CdcPipelineCli implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a command: the usage, and exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("Missing command: start with `cdc-pipeline up`.");
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }

    /** The whole tree; {@code env} is the environment the commands read (tests pass their own). */
    public static CommandLine commandLine(Map<String, String> env, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new CdcPipelineCli());
        cli.addSubcommand(new Up());
        cli.addSubcommand(new Demo());
        cli.addSubcommand("schema", SchemaCli.commandLine(env, out, err));
        cli.addSubcommand("capture", CaptureService.command(env, out, err));
        cli.addSubcommand("audit", AuditSinkService.command(env, out, err));
        cli.addSubcommand("analytics", AnalyticsService.command(env, out, err));
        cli.addSubcommand("cache", CacheInvalidatorService.command(env, out, err));
        cli.addSubcommand(new Reference(out));
        return ServiceCommand.configure(cli, out, err, SchemaCli::describe);
    }

    public static void main(String[] args) {
        System.exit(commandLine(System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true))
                .execute(args));
    }

    /** The options of a local run, shared by {@code up} and {@code demo}. */
    static final class RunOptions {
        @Option(names = "--for", paramLabel = "SECONDS", description = "stop by itself after SECONDS")
        Long seconds;

        @Option(names = "--log", paramLabel = "FILE", description = "where the full log goes (default: cdc-pipeline.log in the"
                + " temporary directory); the terminal shows only the pipeline's own messages and errors")
        Path log;

        Duration runFor() {
            return seconds == null ? null : Duration.ofSeconds(seconds);
        }

        Path logFile() {
            return log == null ? PipelineLog.defaultFile() : log;
        }
    }

    @Command(name = "up", description = "Run the whole pipeline locally on embedded infrastructure (PostgreSQL with TLS and"
            + " logical replication, a Kafka broker, Redis), print the endpoints, and on Ctrl-C stop it and remove every"
            + " file it made.")
    static final class Up implements Callable<Integer> {
        @CommandLine.Mixin
        RunOptions run;

        @Option(names = "--demo", description = "also run the demo application (as `demo`)")
        boolean demo;

        @Override
        public Integer call() throws Exception {
            return Launcher.up(run.runFor(), run.logFile(), demo, System.out);
        }
    }

    @Command(name = "demo", description = "`up` with the demo application (a multi-tenant blog writing and reading through the"
            + " cache) and a live status block: changes captured, audited, counted and invalidated, and how long each took."
            + " At the end (Ctrl-C or --for): a summary, the audit log checked against the changes made, and its hash chains"
            + " verified; exit 1 when a check fails.")
    static final class Demo implements Callable<Integer> {
        @CommandLine.Mixin
        RunOptions run;

        @Override
        public Integer call() throws Exception {
            return Launcher.up(run.runFor(), run.logFile(), true, System.out);
        }
    }

    @Command(name = "reference", description = "Print the configuration reference generated from the declared settings"
            + " (or rewrite it in docs/configuration.md).")
    static final class Reference implements Callable<Integer> {
        private final PrintWriter out;

        @Option(names = "--update", paramLabel = "FILE", description = "replace the generated block of FILE (docs/configuration.md)")
        Path file;

        Reference(PrintWriter out) {
            this.out = out;
        }

        @Override
        public Integer call() throws Exception {
            if (file == null) {
                out.print(ConfigurationReference.markdown());
                out.flush();
            } else {
                Files.writeString(file, ConfigurationReference.updated(Files.readString(file, StandardCharsets.UTF_8)),
                        StandardCharsets.UTF_8);
                out.println("updated the configuration reference in " + file);
            }
            return 0;
        }
    }
}
