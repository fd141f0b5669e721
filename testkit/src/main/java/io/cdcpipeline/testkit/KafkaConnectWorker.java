package io.cdcpipeline.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A stock Kafka Connect worker in standalone mode ({@code connect-standalone.sh}'s main class,
 * {@code org.apache.kafka.connect.cli.ConnectStandalone}), in a child JVM, from the Kafka Connect
 * and connector Maven artifacts on this JVM's class path: what a user of the change topics runs
 * instead of our consumers. Connectors are given at start, like {@code connect-standalone.sh
 * worker.properties connector.properties}; their state is read from the worker's REST API.
 * Needs {@code connect-runtime} (and the connectors) on the class path of the calling tests.
 */
public final class KafkaConnectWorker implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path workDir;
    private final Path logFile;
    private final int restPort;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private KafkaConnectWorker(Path workDir, int restPort, Process process) {
        this.workDir = workDir;
        this.logFile = ChildJvm.logFile(workDir, "connect");
        this.restPort = restPort;
        this.process = process;
    }

    /**
     * Starts a worker on {@code bootstrapServers} with {@code workerSettings} over the defaults
     * (JSON converters with schemas, a file offset store, a REST listener on a free loopback port)
     * and the connectors ({@code name} → its configuration); returns once the REST API answers.
     */
    public static KafkaConnectWorker start(Path workDir, String bootstrapServers, Map<String, String> workerSettings,
                                           Map<String, Map<String, String>> connectors) {
        try {
            Files.createDirectories(workDir);
            int restPort = FreePorts.find();
            Map<String, String> worker = new TreeMap<>(Map.of(
                    "bootstrap.servers", bootstrapServers,
                    "key.converter", "org.apache.kafka.connect.json.JsonConverter",
                    "value.converter", "org.apache.kafka.connect.json.JsonConverter",
                    "key.converter.schemas.enable", "true",
                    "value.converter.schemas.enable", "true",
                    "offset.storage.file.filename", workDir.resolve("connect.offsets").toString(),
                    "offset.flush.interval.ms", "1000",
                    "listeners", "http://127.0.0.1:" + restPort,
                    // Connectors are on the class path, not in a plugin.path directory.
                    "plugin.discovery", "only_scan"));
            worker.putAll(workerSettings);
            Path workerFile = write(workDir.resolve("worker.properties"), worker);
            List<String> args = new java.util.ArrayList<>(List.of(workerFile.toString()));
            for (Map.Entry<String, Map<String, String>> connector : connectors.entrySet()) {
                Map<String, String> config = new TreeMap<>(connector.getValue());
                config.put("name", connector.getKey());
                args.add(write(workDir.resolve(connector.getKey() + ".properties"), config).toString());
            }
            Path logback = workDir.resolve("logback.xml");
            Files.writeString(logback, CHILD_LOGBACK, StandardCharsets.UTF_8);
            Process process = ChildJvm.start("connect", workDir, "org.apache.kafka.connect.cli.ConnectStandalone", args, Map.of(),
                    List.of("-Xms128m", "-Xmx768m", "-XX:+UseSerialGC", "-Dlogback.configurationFile=" + logback));
            KafkaConnectWorker started = new KafkaConnectWorker(workDir, restPort, process);
            started.awaitRestApi();
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a Kafka Connect worker", e);
        }
    }

    /** A connector's state and its tasks' as the REST API reports them (RUNNING, FAILED with its trace, ...). */
    public record Status(String connector, List<String> tasks, Optional<String> failure) {

        public boolean running() {
            return "RUNNING".equals(connector) && !tasks.isEmpty() && tasks.stream().allMatch("RUNNING"::equals);
        }
    }

    /** {@code GET /connectors/<name>/status}; empty while the worker has not created it yet. */
    public Optional<Status> status(String connector) {
        Optional<JsonNode> body = get("/connectors/" + connector + "/status");
        if (body.isEmpty() || !body.get().has("connector")) {
            return Optional.empty();
        }
        JsonNode node = body.get();
        List<String> tasks = new java.util.ArrayList<>();
        String failure = node.path("connector").path("trace").asText(null);
        for (JsonNode task : node.path("tasks")) {
            tasks.add(task.path("state").asText());
            if (failure == null && task.has("trace")) {
                failure = task.get("trace").asText();
            }
        }
        return Optional.of(new Status(node.path("connector").path("state").asText(), tasks, Optional.ofNullable(failure)));
    }

    /**
     * Fails with the worker's own explanation (a task's stack trace, or its log's tail) when the
     * worker died or a connector failed; for polling loops of tests.
     */
    public void assertHealthy(String connector) {
        if (!process.isAlive()) {
            throw new IllegalStateException("the Kafka Connect worker exited with code " + process.exitValue() + ". Its log ("
                    + logFile + ") ends with:\n" + Directories.tail(logFile, 40));
        }
        status(connector).flatMap(Status::failure).ifPresent(trace -> {
            throw new IllegalStateException("connector " + connector + " failed in the Kafka Connect worker:\n" + trace);
        });
    }

    /**
     * {@code PUT /connectors/<name>/pause}, then waits until the connector and its tasks report
     * PAUSED: the operator's pause, the worker's JVM stays up (and warm).
     */
    public void pause(String connector) {
        put("/connectors/" + connector + "/pause");
        awaitState(connector, "PAUSED");
    }

    /** {@code PUT /connectors/<name>/resume}, then waits until it runs again. */
    public void resume(String connector) {
        put("/connectors/" + connector + "/resume");
        awaitState(connector, "RUNNING");
    }

    private void awaitState(String connector, String state) {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            assertHealthy(connector);
            Optional<Status> status = status(connector);
            if (status.isPresent() && state.equals(status.get().connector()) && !status.get().tasks().isEmpty()
                    && status.get().tasks().stream().allMatch(state::equals)) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + connector + " to be " + state, e);
            }
        }
        throw new IllegalStateException(connector + " did not become " + state + " within " + STARTUP_TIMEOUT);
    }

    private void put(String path) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + path))
                    .timeout(Duration.ofSeconds(5)).PUT(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("PUT " + path + " answered " + response.statusCode() + ": " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("PUT " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitRestApi() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Kafka Connect worker exited with code " + process.exitValue() + ". Its log ("
                        + logFile + ") ends with:\n" + Directories.tail(logFile, 40));
            }
            if (get("/connectors").isPresent()) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Kafka Connect", e);
            }
        }
        throw new IllegalStateException("the Kafka Connect worker's REST API did not answer within " + STARTUP_TIMEOUT
                + ". Its log (" + logFile + ") ends with:\n" + Directories.tail(logFile, 40));
    }

    private Optional<JsonNode> get(String path) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Optional.of(JSON.readTree(response.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Path logFile() {
        return logFile;
    }

    /** The worker's process id (CPU and memory figures of benchmarks). */
    public long pid() {
        return process.pid();
    }

    private static Path write(Path file, Map<String, String> properties) throws IOException {
        String text = properties.entrySet().stream()
                .map(e -> escape(e.getKey()) + "=" + escape(e.getValue()))
                .collect(Collectors.joining("\n", "", "\n"));
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /** java.util.Properties escaping of a key or value (backslashes, and the separators in keys). */
    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("=", "\\=").replace(":", "\\:");
    }

    @Override
    public void close() {
        Processes.terminate(process, STOP_WAIT);
        Directories.deleteRecursively(workDir);
    }

    private static final String CHILD_LOGBACK = """
            <configuration>
              <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
              </appender>
              <logger name="org.apache.kafka.connect.runtime.WorkerSinkTask" level="INFO"/>
              <logger name="io.debezium.connector.jdbc" level="INFO"/>
              <root level="WARN"><appender-ref ref="OUT"/></root>
            </configuration>
            """;
}
