package io.cdcpipeline.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker in KRaft combined mode (broker and controller in one process),
 * run in a child JVM from the Kafka Maven artifacts on this JVM's class path, like a production
 * {@code kafka-server-start.sh}. Listens on free loopback ports; if a port is taken between
 * choosing and binding it, the start is retried on new ports.
 *
 * <p>Settings are those of a single-node development cluster (replication factor 1, small
 * internal topics). Automatic topic creation is off: services create their topics explicitly,
 * as they must in production.
 *
 * <p>Besides its plaintext listener (the kit's own clients and most tests), the broker listens
 * with TLS when given the kit's certificates: {@link #sslBootstrapServers()} requires a client
 * certificate of the kit's CA (mutual TLS), {@link #saslSslBootstrapServers()} requires a SCRAM-SHA-512
 * login ({@link #scramUser()}, {@link #scramPassword()}), each with a server certificate for
 * {@code localhost} and {@code 127.0.0.1}.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);
    private static final int START_ATTEMPTS = 3;

    private final Path workDir;
    private final Path logFile;
    private final int port;
    private final int controllerPort;
    private final String clusterId;
    private final Listeners listeners;
    private final String scramPassword = "scram-" + Uuid.randomUuid();
    private Process process;

    /** The ports of the TLS listeners and the certificates they present; null: plaintext only. */
    private record Listeners(int sslPort, int saslSslPort, TlsMaterial tls) {
    }

    private KafkaBroker(Path workDir, int port, int controllerPort, String clusterId, Listeners listeners) {
        this.workDir = workDir;
        this.logFile = ChildJvm.logFile(workDir, "kafka");
        this.port = port;
        this.controllerPort = controllerPort;
        this.clusterId = clusterId;
        this.listeners = listeners;
        this.process = launch(workDir, port, controllerPort, clusterId, listeners);
    }

    /** Starts a broker (plaintext only) whose data and logs live under {@code workDir}. */
    public static KafkaBroker start(Path workDir) {
        return start(workDir, null);
    }

    /** Starts a broker that also listens with mutual TLS and with SASL_SSL (SCRAM), presenting {@code tls}'s certificates. */
    public static KafkaBroker start(Path workDir, TlsMaterial tls) {
        long started = System.nanoTime();
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            Path attemptDir = workDir.resolve("attempt-" + attempt);
            int port = FreePorts.find();
            int controllerPort = FreePorts.find();
            Listeners listeners = tls == null ? null : new Listeners(FreePorts.find(), FreePorts.find(), tls);
            KafkaBroker broker = new KafkaBroker(attemptDir, port, controllerPort, Uuid.randomUuid().toString(), listeners);
            try {
                broker.awaitReady();
                broker.createScramUser();
                LOG.info("Kafka broker ready on 127.0.0.1:{} in {} ms", port,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                return broker;
            } catch (IllegalStateException e) {
                last = e;
                LOG.warn("Kafka broker attempt {} on port {} failed: {}", attempt, port, e.getMessage());
                broker.close();
            }
        }
        throw last;
    }

    /**
     * Stops the broker (SIGTERM: a controlled shutdown) and starts it again on the same ports and
     * data: clients see an outage, the topics and committed offsets survive. For fault injection.
     */
    public synchronized void restart() {
        Processes.terminate(process, STOP_WAIT);
        process = launch(workDir, port, controllerPort, clusterId, listeners);
        awaitReady();
    }

    private static Process launch(Path dir, int port, int controllerPort, String clusterId, Listeners listeners) {
        try {
            Files.createDirectories(dir.resolve("data"));
            Path properties = dir.resolve("server.properties");
            String config = serverProperties(dir, port, controllerPort);
            if (listeners != null) {
                config = withTlsListeners(config, dir, port, controllerPort, listeners);
            }
            Files.writeString(properties, config, StandardCharsets.UTF_8);
            Path logback = dir.resolve("logback.xml");
            Files.writeString(logback, CHILD_LOGBACK, StandardCharsets.UTF_8);
            return ChildJvm.start("kafka", dir, KafkaBrokerMain.class.getName(),
                    List.of(properties.toString(), clusterId), Map.of(),
                    List.of("-Xms256m", "-Xmx1g", "-XX:+UseSerialGC", "-Dlogback.configurationFile=" + logback));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Kafka broker JVM", e);
        }
    }

    private static String serverProperties(Path dir, int port, int controllerPort) {
        return String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=1",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=5",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=5",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "log.flush.interval.messages=9223372036854775807",
                "log.retention.hours=-1",
                "log.cleaner.dedupe.buffer.size=4194304",
                "num.network.threads=2",
                "num.io.threads=4",
                "");
    }

    /**
     * The TLS listeners on top of the plaintext ones: {@code SSL} requires a client certificate,
     * {@code SASL_SSL} a SCRAM-SHA-512 login; both present a server certificate of the kit's CA
     * (a PEM key store: the key and its certificate in one file) and trust that CA.
     */
    private static String withTlsListeners(String config, Path dir, int port, int controllerPort, Listeners l) throws IOException {
        Path keyStore = dir.resolve("broker-keystore.pem");
        Files.writeString(keyStore, Files.readString(l.tls().server().privateKey()) + "\n"
                + Files.readString(l.tls().server().certificate()), StandardCharsets.US_ASCII);
        String listeners = "PLAINTEXT://127.0.0.1:" + port + ",SSL://127.0.0.1:" + l.sslPort() + ",SASL_SSL://127.0.0.1:"
                + l.saslSslPort();
        return config
                .replace("listeners=PLAINTEXT://127.0.0.1:" + port + ",", "listeners=" + listeners + ",")
                .replace("advertised.listeners=PLAINTEXT://127.0.0.1:" + port, "advertised.listeners=" + listeners)
                .replace("listener.security.protocol.map=PLAINTEXT:PLAINTEXT,", "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,"
                        + "SSL:SSL,SASL_SSL:SASL_SSL,")
                + String.join("\n",
                "ssl.keystore.type=PEM",
                "ssl.keystore.location=" + keyStore,
                "ssl.truststore.type=PEM",
                "ssl.truststore.location=" + l.tls().caCertificate(),
                "listener.name.ssl.ssl.client.auth=required",
                "sasl.enabled.mechanisms=SCRAM-SHA-512",
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "");
    }

    /** The SCRAM login of the SASL_SSL listener, created through the plaintext listener (no authorizer: any login may do anything). */
    private void createScramUser() {
        if (listeners == null) {
            return;
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            admin.alterUserScramCredentials(List.of(new org.apache.kafka.clients.admin.UserScramCredentialUpsertion(scramUser(),
                    new org.apache.kafka.clients.admin.ScramCredentialInfo(org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_512,
                            8192), scramPassword))).all().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot create the SCRAM user of the SASL_SSL listener", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code host:port} of the listener that requires a client certificate of the kit's CA. */
    public String sslBootstrapServers() {
        return "127.0.0.1:" + requireTls().sslPort();
    }

    /** {@code host:port} of the listener that requires a SCRAM-SHA-512 login over TLS. */
    public String saslSslBootstrapServers() {
        return "127.0.0.1:" + requireTls().saslSslPort();
    }

    public String scramUser() {
        return "cdc-test-client";
    }

    public String scramPassword() {
        return scramPassword;
    }

    private Listeners requireTls() {
        if (listeners == null) {
            throw new IllegalStateException("this broker was started without TLS listeners (KafkaBroker.start(dir, tls))");
        }
        return listeners;
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        awaitListening(deadline);
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the Kafka broker JVM exited with code " + process.exitValue()
                            + ". Its log (" + logFile + ") ends with:\n" + Directories.tail(logFile, 30));
                }
                try {
                    if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    LOG.trace("broker not ready yet", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for Kafka", e);
                }
            }
        }
        throw new IllegalStateException("the Kafka broker did not become ready within " + STARTUP_TIMEOUT
                + ". Its log (" + logFile + ") ends with:\n" + Directories.tail(logFile, 30));
    }

    /** Waits for the listener socket first, so the admin client does not log a warning per retry. */
    private void awaitListening(long deadline) {
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for Kafka", interrupted);
                }
            }
        }
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path logFile() {
        return logFile;
    }

    /** Helpers to create topics, produce and drain records on this broker. */
    public KafkaTopics topics() {
        return new KafkaTopics(bootstrapServers());
    }

    /** The broker's JVM process. */
    public List<ProcessHandle> processes() {
        List<ProcessHandle> all = new ArrayList<>();
        if (process != null) {
            all.add(process.toHandle());
            process.toHandle().descendants().forEach(all::add);
        }
        return all;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public synchronized void close() {
        Processes.terminate(process, STOP_WAIT);
        Directories.deleteRecursively(workDir);
    }

    @Override
    public String toString() {
        return "Kafka on " + bootstrapServers();
    }

    /** The broker logs warnings and its start-up line to kafka.log, whichever SLF4J backend the class path has. */
    private static final String CHILD_LOGBACK = """
            <configuration>
              <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
              </appender>
              <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
              <logger name="kafka.server.BrokerServer" level="INFO"/>
              <root level="WARN"><appender-ref ref="OUT"/></root>
            </configuration>
            """;
}
