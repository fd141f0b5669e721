package io.cdcpipeline.common.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.cdcpipeline.common.config.ConfigurationException;
import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.service.ServiceRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command of one service, e.g. {@code cdc-pipeline capture}: without a subcommand it runs the
 * service until stopped. {@code --help} lists the environment variables it reads, from the same
 * declarations as the configuration reference; {@code --version} prints the version; an unknown
 * option exits 2 with a hint; a missing or bad variable exits 2 naming it.
 */
@Command(mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false)
public final class ServiceCommand implements Callable<Integer> {

    private final String service;
    private final ServiceRunner.Factory factory;
    private final Map<String, String> env;
    private final PrintWriter err;

    private ServiceCommand(String service, ServiceRunner.Factory factory, Map<String, String> env, PrintWriter err) {
        this.service = service;
        this.factory = factory;
        this.env = env;
        this.err = err;
    }

    /**
     * {@code name} (the command word) running {@code service} built by {@code factory} from
     * {@code env}; {@code subcommands} are picocli command objects (verify, snapshot, ...).
     */
    public static CommandLine of(String name, String service, String description, List<Setting<?>> settings,
                                 ServiceRunner.Factory factory, Map<String, String> env, PrintWriter out, PrintWriter err,
                                 Object... subcommands) {
        CommandLine cli = new CommandLine(new ServiceCommand(service, factory, env, err));
        cli.getCommandSpec().name(name);
        cli.getCommandSpec().usageMessage().description(description,
                "Without a subcommand: runs " + service + " until stopped (SIGTERM or Ctrl-C finish the current batch first).");
        cli.getCommandSpec().usageMessage().footer(environmentFooter(settings));
        for (Object subcommand : subcommands) {
            cli.addSubcommand(subcommand);
        }
        return configure(cli, out, err);
    }

    /**
     * For {@code cli} and every subcommand: {@code --help} and {@code --version}, the output
     * streams, and the exit codes of failures: 2 for bad settings (named), 1 for anything else.
     * (Picocli itself exits 2 on an unknown option, with a hint.)
     */
    public static CommandLine configure(CommandLine cli, PrintWriter out, PrintWriter err) {
        return configure(cli, out, err, Throwable::getMessage);
    }

    /** The same, {@code describe} giving the message of a failure. */
    public static CommandLine configure(CommandLine cli, PrintWriter out, PrintWriter err,
                                        java.util.function.Function<Throwable, String> describe) {
        withHelpAndVersion(cli);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigurationException) {
                err.println(e.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
            err.println(commandLine.getCommandSpec().qualifiedName() + " failed: " + describe.apply(e));
            return CommandLine.ExitCode.SOFTWARE;
        });
        return cli;
    }

    private static void withHelpAndVersion(CommandLine cli) {
        CommandLine.Model.CommandSpec spec = cli.getCommandSpec();
        if (!spec.mixinStandardHelpOptions()) {
            spec.mixinStandardHelpOptions(true);
        }
        if (spec.version().length == 0) {
            spec.version(new Version().getVersion());
        }
        cli.getSubcommands().values().forEach(ServiceCommand::withHelpAndVersion);
    }

    /** The usage footer: every variable the service reads, with its default and whether it is a secret. */
    static String environmentFooter(List<Setting<?>> settings) {
        StringBuilder text = new StringBuilder("%nEnvironment variables (docs/configuration.md has them all):%n");
        for (Setting<?> s : settings) {
            text.append("  ").append(s.name());
            if (s.defaultValue() != null) {
                text.append(" (default ").append(s.defaultValue().replace("%", "%%")).append(')');
            }
            if (s.isSecret()) {
                text.append(" (secret; or ").append(s.name()).append("_FILE)");
            }
            text.append("%n      ").append(s.description().replace("%", "%%")).append("%n");
        }
        return text.toString();
    }

    @Override
    public Integer call() {
        return ServiceRunner.runUntilStopped(service, factory, env, err);
    }
}
