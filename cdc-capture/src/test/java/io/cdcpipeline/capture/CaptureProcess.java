package io.cdcpipeline.capture;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.cdcpipeline.testkit.ChildJvm;
import io.cdcpipeline.testkit.FreePorts;

/** cdc-capture as a separate process (its production main), so tests can SIGKILL it. */
final class CaptureProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final int metricsPort;
    final Process process;
    final Path workDir;

    private CaptureProcess(String name, int metricsPort, Process process, Path workDir) {
        this.name = name;
        this.metricsPort = metricsPort;
        this.process = process;
        this.workDir = workDir;
    }

    static CaptureProcess start(String name, Map<String, String> baseEnv, Path workDir) {
        int port = FreePorts.find();
        Map<String, String> env = new HashMap<>(baseEnv);
        env.put("METRICS_PORT", Integer.toString(port));
        Process p = ChildJvm.start(name, workDir, CaptureService.class.getName(), List.of(), env,
                List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        return new CaptureProcess(name, port, p, workDir);
    }

    /** 200 from /health/ready: this instance's engine is streaming. */
    boolean ready() {
        return get("/health/ready").map(r -> r.statusCode() == 200).orElse(false);
    }

    java.util.Optional<HttpResponse<String>> get(String path) {
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

    /** SIGKILL: no shutdown hook, no engine close, no offset flush. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    String log() {
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
