package io.cdcpipeline.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;

/** One topic prefix and one replication factor for every service; the former per-service names still work. */
class KafkaSettingsTest {

    private static final Setting<String> FORMER_PREFIX = Setting.string("AUDIT_TOPIC_PREFIX", "deprecated");
    private static final Setting<Integer> FORMER_FACTOR = Setting.integer("AUDIT_TOPIC_REPLICATION_FACTOR", "deprecated").between(1, 10);

    @Test
    void shouldPreferTheSharedSettingsAndFallBackToTheFormerNames() {
        Settings shared = new Settings(Map.of("KAFKA_TOPIC_PREFIX", "shop", "AUDIT_TOPIC_PREFIX", "old",
                "KAFKA_REPLICATION_FACTOR", "2", "AUDIT_TOPIC_REPLICATION_FACTOR", "1"));
        assertThat(KafkaSettings.topicPrefix(shared, FORMER_PREFIX)).isEqualTo("shop");
        assertThat(KafkaSettings.replicationFactor(shared, FORMER_FACTOR)).contains((short) 2);

        Settings former = new Settings(Map.of("AUDIT_TOPIC_PREFIX", "old", "AUDIT_TOPIC_REPLICATION_FACTOR", "1"));
        assertThat(KafkaSettings.topicPrefix(former, FORMER_PREFIX)).isEqualTo("old");
        assertThat(KafkaSettings.replicationFactor(former, FORMER_FACTOR)).contains((short) 1);
    }

    @Test
    void shouldDefaultToBlogAndToTheBrokersReplicationFactor() {
        Settings none = new Settings(Map.of());
        assertThat(KafkaSettings.topicPrefix(none, FORMER_PREFIX)).isEqualTo("blog");
        assertThat(KafkaSettings.replicationFactor(none, FORMER_FACTOR)).isEqualTo(Optional.empty());
        assertThat(none.hasProblems()).isFalse();
    }

    @Test
    void shouldRefuseAPrefixThatIsNotATopicNamePart() {
        Settings bad = new Settings(Map.of("KAFKA_TOPIC_PREFIX", "a b"));
        KafkaSettings.topicPrefix(bad, FORMER_PREFIX);
        assertThat(bad.hasProblems()).isTrue();
    }

    @Test
    void shouldMergeTheClientPropertiesFileUnderTheExplicitSettings(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("client.properties"),
                "security.protocol=PLAINTEXT\nlinger.ms=5\nssl.endpoint.identification.algorithm=https\n");
        java.nio.file.Path ca = java.nio.file.Files.writeString(dir.resolve("ca.pem"), "not checked here");
        Settings s = new Settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", "broker:9093", "KAFKA_CLIENT_PROPERTIES_FILE", file.toString(),
                "KAFKA_SECURITY_PROTOCOL", "ssl", "KAFKA_SSL_CA_FILE", ca.toString()));

        Map<String, Object> props = KafkaSettings.read(s).clientProperties("test");

        s.validate("test");
        assertThat(props).containsEntry("linger.ms", "5").containsEntry("security.protocol", "SSL")
                .containsEntry("ssl.truststore.type", "PEM").containsEntry("ssl.truststore.location", ca.toString())
                .containsEntry("bootstrap.servers", "broker:9093");
    }

    @Test
    void shouldRequireTheCertificateAndTheKeyTogether(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path cert = java.nio.file.Files.writeString(dir.resolve("client.crt"), "x");
        Settings s = new Settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", "broker:9093", "KAFKA_SECURITY_PROTOCOL", "ssl",
                "KAFKA_SSL_CERT_FILE", cert.toString()));
        KafkaSettings.read(s);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.validate("test"))
                .hasMessageContaining("KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together");
    }
}
