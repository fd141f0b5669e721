package io.cdcpipeline.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts a main class in a child JVM with this JVM's class path and the given environment, like
 * a separately deployed process: for servers (the Kafka broker) and for services that tests kill
 * with SIGKILL. The child ends itself when this JVM disappears ({@link ChildMain}). Output goes to
 * {@code <workDir>/<name>.log}.
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    public static Process start(String name, Path workDir, String mainClass, List<String> args, Map<String, String> env,
                                List<String> jvmOptions) {
        try {
            Files.createDirectories(workDir);
            // An @argfile keeps a long class path off the command line (ARG_MAX, ps output).
            Path argFile = workDir.resolve(name + ".java-args");
            List<String> jvmArgs = new ArrayList<>(jvmOptions);
            jvmArgs.add("-XX:+ExitOnOutOfMemoryError");
            jvmArgs.add("-Djava.awt.headless=true");
            jvmArgs.add("-cp");
            jvmArgs.add(quote(System.getProperty("java.class.path")));
            Files.writeString(argFile, String.join("\n", jvmArgs) + "\n", StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "@" + argFile, ChildMain.class.getName(), Long.toString(ProcessHandle.current().pid()), mainClass));
            command.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(env);
            builder.redirectErrorStream(true);
            builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(workDir, name).toFile()));
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a JVM for " + mainClass, e);
        }
    }

    public static Path logFile(Path workDir, String name) {
        return workDir.resolve(name + ".log");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
