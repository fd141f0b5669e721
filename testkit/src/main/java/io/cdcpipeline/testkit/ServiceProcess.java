package io.cdcpipeline.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A service as a separate process (its production main), so tests and the oracle run can SIGKILL it. */
public final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public final String name;
    public final int metricsPort;
    public final Process process;
    public final Path workDir;

    private ServiceProcess(String name, int metricsPort, Process process, Path workDir) {
        this.name = name;
        this.metricsPort = metricsPort;
        this.process = process;
        this.workDir = workDir;
    }

    /** The options {@code dist/src/dist/bin/cdc-java} gives every service besides its heap (a test in bench compares). */
    public static final List<String> DISTRIBUTION_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:MetaspaceSize=64m",
            "-XX:MaxMetaspaceSize=192m");

    /**
     * Any service main class, with {@code METRICS_PORT} set to a free port: the distribution's JVM
     * options with a heap of up to 512 MB and only the first JIT tier (tests start many short-lived
     * services on two cores).
     */
    public static ServiceProcess start(String name, String mainClass, Map<String, String> baseEnv, Path workDir) {
        List<String> options = new java.util.ArrayList<>(List.of("-Xmx512m", "-XX:TieredStopAtLevel=1"));
        options.addAll(DISTRIBUTION_JVM_OPTIONS);
        return start(name, mainClass, baseEnv, workDir, options);
    }

    /**
     * The same with the JVM options of the distribution's scripts: a fixed heap of {@code heap} and
     * {@link #DISTRIBUTION_JVM_OPTIONS} (full JIT): for benchmarks, which measure what production runs.
     */
    public static ServiceProcess startWithHeap(String name, String mainClass, Map<String, String> baseEnv, Path workDir,
                                               String heap, String... moreJvmOptions) {
        List<String> options = new java.util.ArrayList<>(List.of("-Xms" + heap, "-Xmx" + heap));
        options.addAll(DISTRIBUTION_JVM_OPTIONS);
        // As the distribution's cdc-java script does: JAVA_OPTS adds options (a benchmark run can try a setting).
        String javaOpts = System.getenv("JAVA_OPTS");
        if (javaOpts != null && !javaOpts.isBlank()) {
            options.addAll(List.of(javaOpts.trim().split("\\s+")));
        }
        options.addAll(List.of(moreJvmOptions));
        return start(name, mainClass, baseEnv, workDir, options);
    }

    private static ServiceProcess start(String name, String mainClass, Map<String, String> baseEnv, Path workDir,
                                        List<String> jvmOptions) {
        int port = FreePorts.find();
        Map<String, String> env = new HashMap<>(baseEnv);
        env.put("METRICS_PORT", Integer.toString(port));
        return new ServiceProcess(name, port, ChildJvm.start(name, workDir, mainClass, List.of(), env, jvmOptions), workDir);
    }

    /** 200 from /health/ready: this instance's engine is streaming. */
    public boolean ready() {
        return get("/health/ready").map(r -> r.statusCode() == 200).orElse(false);
    }

    public java.util.Optional<HttpResponse<String>> get(String path) {
        try {
            return java.util.Optional.of(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString()));
        } catch (java.io.IOException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }

    /**
     * SIGSTOP: the process is frozen as it is (connections open, JIT-compiled code kept) until
     * {@link #thaw()}; what a benchmark uses to pause a warm service.
     */
    public void freeze() throws java.io.IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT: a {@link #freeze() frozen} process goes on. */
    public void thaw() throws java.io.IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws java.io.IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** SIGKILL: no shutdown hook, no engine close, no offset flush. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public String log() {
        try {
            return java.nio.file.Files.readString(ChildJvm.logFile(workDir, name));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
