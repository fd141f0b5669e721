package io.cdcpipeline.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.audit.AuditSinkService;
import io.cdcpipeline.audit.checkpoint.LocalCheckpoints;
import io.cdcpipeline.capture.CaptureFixture;
import io.cdcpipeline.common.kafka.KafkaSettings;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.service.ServiceThread;
import io.cdcpipeline.schema.Role;
import io.cdcpipeline.testkit.CertificateFiles;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.KafkaBroker;
import io.cdcpipeline.testkit.TlsMaterial;

/**
 * The services against a broker that refuses clear text: cdc-capture (its producer, admin client
 * and Debezium's offset store) logs in with SCRAM-SHA-512 over TLS, its password from a file
 * ({@code KAFKA_SASL_PASSWORD_FILE}); audit-sink (consumer, dead letters, checkpoint topic) uses
 * mutual TLS. Both verify the broker's certificate against the test CA. Clients without TLS,
 * without a certificate, or with a wrong password are refused.
 */
class SecureKafkaIT {

    private static CaptureFixture f;
    private static CaptureFixture.InProcess capture;
    private static ServiceThread sink;
    private static KafkaBroker broker;
    private static TlsMaterial tls;

    @BeforeAll
    static void start() throws Exception {
        EmbeddedInfrastructure infra = EmbeddedInfrastructure.shared();
        broker = infra.kafka();
        tls = infra.tls();
        f = CaptureFixture.create("secure-kafka");
        Path dir = Files.createDirectories(Path.of("target", "secure-kafka-" + f.prefix).toAbsolutePath());
        Path password = Files.writeString(dir.resolve("kafka-password"), broker.scramPassword() + "\n");
        f.env.putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.saslSslBootstrapServers(), "KAFKA_SECURITY_PROTOCOL", "sasl-ssl",
                "KAFKA_SSL_CA_FILE", tls.caCertificate().toString(), "KAFKA_SASL_USERNAME", broker.scramUser(),
                "KAFKA_SASL_PASSWORD_FILE", password.toString()));
        capture = f.startInProcess();
        capture.awaitStreaming();

        CertificateFiles client = tls.client("audit-sink");
        Map<String, String> env = new HashMap<>(f.serviceEnv(Role.AUDIT_USER));
        env.putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.sslBootstrapServers(), "KAFKA_SECURITY_PROTOCOL", "ssl",
                "KAFKA_SSL_CA_FILE", tls.caCertificate().toString(), "KAFKA_SSL_CERT_FILE", client.certificate().toString(),
                "KAFKA_SSL_KEY_FILE", client.privateKey().toString(), "KAFKA_TOPIC_PREFIX", f.prefix,
                "AUDIT_CONSUMER_GROUP", "secure-" + f.prefix, "KAFKA_REPLICATION_FACTOR", "1"));
        env.putAll(LocalCheckpoints.env(dir.resolve("checkpoints")));
        sink = new ServiceThread("audit-sink", AuditSinkService.create(env));
    }

    @AfterAll
    static void stop() throws Exception {
        if (sink != null) {
            sink.close();
        }
        if (capture != null) {
            capture.close();
        }
    }

    @Test
    void shouldCaptureAndAuditOverTlsAndScram() throws Exception {
        f.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')",
                "INSERT INTO app.tags (id, org_id, name, slug) VALUES (1, 1, 'secure', 'secure'), (2, 1, 'wire', 'wire')");
        f.sql("UPDATE app.tags SET name = 'encrypted' WHERE id = 2");

        await("audit rows written from the TLS listeners").atMost(Duration.ofSeconds(90)).until(() -> auditRows() == 3);
    }

    @Test
    void shouldRefuseClientsThatDoNotAuthenticate() {
        assertThat(reachable(Map.of("bootstrap.servers", broker.saslSslBootstrapServers()))).as("plaintext to SASL_SSL").isFalse();
        assertThat(reachable(Map.of("bootstrap.servers", broker.sslBootstrapServers(), "security.protocol", "SSL",
                "ssl.truststore.type", "PEM", "ssl.truststore.location", tls.caCertificate().toString())))
                .as("TLS without a client certificate").isFalse();
        Map<String, Object> wrongPassword = new HashMap<>(new KafkaSettings(broker.saslSslBootstrapServers(), security(
                "KAFKA_SECURITY_PROTOCOL", "sasl-ssl", "KAFKA_SSL_CA_FILE", tls.caCertificate().toString(),
                "KAFKA_SASL_USERNAME", broker.scramUser(), "KAFKA_SASL_PASSWORD", "not-the-password")).clientProperties("wrong"));
        assertThat(reachable(wrongPassword)).as("a wrong SCRAM password").isFalse();
        Map<String, Object> right = new HashMap<>(new KafkaSettings(broker.saslSslBootstrapServers(), security(
                "KAFKA_SECURITY_PROTOCOL", "sasl-ssl", "KAFKA_SSL_CA_FILE", tls.caCertificate().toString(),
                "KAFKA_SASL_USERNAME", broker.scramUser(), "KAFKA_SASL_PASSWORD", broker.scramPassword())).clientProperties("right"));
        assertThat(reachable(right)).as("the same client with the right password (the check can succeed)").isTrue();
    }

    @Test
    void shouldRefuseSecuritySettingsThatDoNotFit() {
        assertThatThrownBy(() -> security("KAFKA_SECURITY_PROTOCOL", "sasl-ssl")).hasMessageContaining("KAFKA_SASL_USERNAME");
        assertThatThrownBy(() -> security("KAFKA_SSL_CA_FILE", tls.caCertificate().toString()))
                .hasMessageContaining("KAFKA_SECURITY_PROTOCOL is plaintext");
    }

    private static Map<String, String> security(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1");
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        Settings s = new Settings(env);
        KafkaSettings settings = KafkaSettings.read(s);
        s.validate("test");
        return settings.security();
    }

    /** Whether an admin client with these properties gets the cluster's nodes within a few seconds. */
    private static boolean reachable(Map<String, Object> props) {
        Map<String, Object> p = new HashMap<>(props);
        p.put("request.timeout.ms", 3000);
        p.put("default.api.timeout.ms", 5000);
        try (Admin admin = Admin.create(p)) {
            return !admin.describeCluster().nodes().get(8, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    private static long auditRows() throws Exception {
        try (Connection c = f.db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM audit.change_log WHERE source_table = 'app.tags'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
