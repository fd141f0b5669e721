package io.cdcpipeline.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import redis.embedded.core.ExecutableProvider;

/**
 * A real {@code redis-server} on a free loopback port, without persistence ({@code --save ""
 * --appendonly no}). The binary is {@code $REDIS_SERVER_BIN}, else {@code redis-server} from the
 * PATH (Debian's supports TLS), else the one shipped in {@code com.github.codemonstur:embedded-redis}.
 *
 * <p>Tests share one server and isolate themselves by key prefix ({@link #newKeyPrefix}).
 */
public final class RedisServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisServer.class);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);
    private static final int START_ATTEMPTS = 3;
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private final Path workDir;
    private final Path binary;
    private final int port;
    private volatile Process process;

    private RedisServer(Path workDir, Path binary, int port) {
        this.workDir = workDir;
        this.binary = binary;
        this.port = port;
    }

    public static RedisServer start(Path workDir) {
        long started = System.nanoTime();
        Path binary = locateBinary(workDir);
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            RedisServer server = new RedisServer(workDir, binary, FreePorts.find());
            try {
                server.launch();
                LOG.info("Redis ({}) ready on 127.0.0.1:{} in {} ms", binary, server.port,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                return server;
            } catch (IllegalStateException e) {
                last = e;
                server.stop();
            }
        }
        throw last;
    }

    static Path locateBinary(Path workDir) {
        String configured = System.getenv("REDIS_SERVER_BIN");
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            if (!Files.isExecutable(p)) {
                throw new IllegalStateException("REDIS_SERVER_BIN=" + configured + " is not an executable file");
            }
            return p;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "redis-server");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        try {
            Path extracted = ExecutableProvider.newJarResourceProvider(workDir.resolve("bin").toFile()).get().toPath();
            extracted.toFile().setExecutable(true);
            return extracted;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("no redis-server found: install Debian's redis-server package"
                    + " (apt-get install redis-server) or set REDIS_SERVER_BIN; the binary bundled in"
                    + " embedded-redis could not be used on this OS/architecture", e);
        }
    }

    private void launch() {
        try {
            Path dataDir = workDir.resolve("data-" + port);
            Files.createDirectories(dataDir);
            List<String> command = new ArrayList<>(List.of(binary.toString(),
                    "--port", Integer.toString(port),
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", "no",
                    "--dir", dataDir.toString(),
                    "--daemonize", "no",
                    "--protected-mode", "yes",
                    "--loglevel", "warning"));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.redirectErrorStream(true);
            builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        awaitPong();
    }

    private void awaitPong() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with code " + process.exitValue()
                        + ". Its log ends with:\n" + Directories.tail(logFile(), 20));
            }
            if (ping()) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Redis", e);
            }
        }
        throw new IllegalStateException("redis-server did not answer PING within " + STARTUP_TIMEOUT);
    }

    /** True when the server answers PING with PONG (a raw RESP exchange: no client library needed). */
    boolean ping() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[7];
            int n = in.readNBytes(buffer, 0, buffer.length);
            return new String(buffer, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    /** {@code redis://127.0.0.1:<port>} */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public Path binary() {
        return binary;
    }

    Path logFile() {
        return workDir.resolve("redis-" + port + ".log");
    }

    /**
     * A key prefix no other caller in this JVM gets ({@code t<n>:<hint>:}), so tests can share one
     * server without seeing each other's keys.
     */
    public static String newKeyPrefix(String hint) {
        return "t" + PREFIXES.incrementAndGet() + ":" + hint + ":";
    }

    /** Stops the server (its data is not persisted); {@link #start()} brings it back on the same port. */
    public synchronized void stop() {
        Processes.terminate(process, STOP_WAIT);
    }

    /** Restarts a server stopped by {@link #stop()} on the same port, empty. */
    public synchronized void start() {
        if (process == null || !process.isAlive()) {
            launch();
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    public List<ProcessHandle> processes() {
        return process == null ? List.of() : List.of(process.toHandle());
    }

    @Override
    public synchronized void close() {
        stop();
        Directories.deleteRecursively(workDir);
    }

    @Override
    public String toString() {
        return "Redis on " + url();
    }
}
