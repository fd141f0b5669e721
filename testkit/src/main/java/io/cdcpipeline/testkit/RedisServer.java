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
 * --appendonly no}) unless {@link #startPersistent}. The binary is {@code $REDIS_SERVER_BIN}, else {@code redis-server} from the
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
    private final TlsMaterial tls;
    private final String password;
    private final boolean persistent;
    /** The cluster bus port of a Redis Cluster node; 0 for a standalone server. */
    private final int clusterBusPort;
    private volatile Process process;

    private RedisServer(Path workDir, Path binary, int port, TlsMaterial tls, String password, boolean persistent,
                        int clusterBusPort) {
        this.workDir = workDir;
        this.clusterBusPort = clusterBusPort;
        this.binary = binary;
        this.port = port;
        this.tls = tls;
        this.password = password;
        this.persistent = persistent;
    }

    public static RedisServer start(Path workDir) {
        return start(workDir, null, null, false);
    }

    /**
     * A Redis that keeps its data across {@link #stop()} and {@link #start()} (append-only file,
     * fsync on every write), for outage tests where what was stored before the outage must still
     * be there after it.
     */
    public static RedisServer startPersistent(Path workDir) {
        return start(workDir, null, null, true);
    }

    /**
     * A Redis that accepts only TLS on its port (server certificate from {@code tls}) and requires
     * {@code password}. Needs a TLS-capable binary (Debian's redis-server 7).
     */
    public static RedisServer startSecured(Path workDir, TlsMaterial tls, String password) {
        return start(workDir, tls, password, false);
    }

    /** A node of a Redis Cluster (no slots yet: {@link RedisCluster} assigns them); needs redis-server 7. */
    static RedisServer startClusterNode(Path workDir) {
        return start(workDir, null, null, false, true);
    }

    private static RedisServer start(Path workDir, TlsMaterial tls, String password, boolean persistent) {
        return start(workDir, tls, password, persistent, false);
    }

    private static RedisServer start(Path workDir, TlsMaterial tls, String password, boolean persistent, boolean clusterNode) {
        long started = System.nanoTime();
        Path binary = locateBinary(workDir);
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            RedisServer server = new RedisServer(workDir, binary, FreePorts.find(), tls, password, persistent,
                    clusterNode ? FreePorts.find() : 0);
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
                    "--port", tls == null ? Integer.toString(port) : "0",
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", persistent ? "yes" : "no",
                    "--appendfsync", "always",
                    "--dir", dataDir.toString(),
                    "--daemonize", "no",
                    "--protected-mode", "yes",
                    "--loglevel", "warning"));
            if (tls != null) {
                command.addAll(List.of("--tls-port", Integer.toString(port), "--tls-cert-file", tls.server().certificate().toString(),
                        "--tls-key-file", tls.server().privateKey().toString(), "--tls-ca-cert-file", tls.caCertificate().toString(),
                        "--tls-auth-clients", "no"));
            }
            if (password != null) {
                command.addAll(List.of("--requirepass", password));
            }
            if (clusterBusPort > 0) {
                // cluster-port (Redis 7): the bus on a free port of its own rather than port + 10000.
                command.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file", dataDir.resolve("nodes.conf").toString(),
                        "--cluster-node-timeout", "5000", "--cluster-port", Integer.toString(clusterBusPort)));
            }
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
                        + (tls != null ? " (TLS needs a TLS-capable redis-server: apt-get install redis-server)" : "")
                        + (clusterBusPort > 0 ? " (a cluster node needs redis-server 7: apt-get install redis-server)" : "")
                        + ". Its log ends with:\n" + Directories.tail(logFile(), 20));
            }
            if (tls != null ? listening() : ping()) {
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

    private boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
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

    /** {@code redis://127.0.0.1:<port>}, or {@code rediss://:<password>@localhost:<port>} for a secured server. */
    public String url() {
        if (tls == null) {
            return "redis://" + (password == null ? "" : ":" + password + "@") + "127.0.0.1:" + port;
        }
        return "rediss://" + (password == null ? "" : ":" + password + "@") + "localhost:" + port;
    }

    /** The cluster bus port of a cluster node (0 for a standalone server). */
    int clusterBusPort() {
        return clusterBusPort;
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

    /** Stops the server; {@link #start()} brings it back on the same port (empty unless {@link #startPersistent}). */
    public synchronized void stop() {
        Processes.terminate(process, STOP_WAIT);
    }

    /** Restarts a server stopped by {@link #stop()} on the same port. */
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
