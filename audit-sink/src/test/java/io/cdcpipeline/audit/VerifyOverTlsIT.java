package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.CertificateFiles;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.TlsMaterial;

/**
 * {@code audit verify} is a Kafka client like the others: it reads the checkpoint topic through the
 * same security settings. (It once read only KAFKA_BOOTSTRAP_SERVERS, and against a TLS-only broker
 * it timed out: the compose stack found it.)
 */
class VerifyOverTlsIT {

    @Test
    void shouldVerifyReadingTheCheckpointTopicOverMutualTls() throws Exception {
        try (AuditFixture f = AuditFixture.start("verify-tls")) {
            f.startSink("AUDIT_CHECKPOINT_INTERVAL", "200");
            f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'Org', 'org')",
                    "INSERT INTO app.tags (id, org_id, name, slug) SELECT i, 1, 't' || i, 't' || i FROM generate_series(1, 20) i");
            await("audit rows").atMost(Duration.ofSeconds(60)).until(() -> f.auditRows() == 20);

            TlsMaterial tls = EmbeddedInfrastructure.shared().tls();
            CertificateFiles client = tls.client("audit-verify");
            Map<String, String> env = new HashMap<>(f.verifyEnv());
            env.putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", EmbeddedInfrastructure.shared().kafka().sslBootstrapServers(),
                    "KAFKA_SECURITY_PROTOCOL", "ssl", "KAFKA_SSL_CA_FILE", tls.caCertificate().toString(),
                    "KAFKA_SSL_CERT_FILE", client.certificate().toString(), "KAFKA_SSL_KEY_FILE", client.privateKey().toString()));
            await("a checkpoint of every chain").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                StringWriter out = new StringWriter();
                int code = AuditSinkService.verify(env, new PrintWriter(out, true));
                assertThat(code).as(out.toString()).isZero();
                assertThat(out.toString()).containsPattern("verified 2[0-9] rows in [0-9]+ chains against [1-9][0-9]* signed checkpoints")
                        .doesNotContain("BROKEN");
            });
        }
    }
}
