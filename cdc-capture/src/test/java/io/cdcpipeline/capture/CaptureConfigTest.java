package io.cdcpipeline.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.config.ConfigurationException;

class CaptureConfigTest {

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("DB_HOST", "db");
        env.put("DB_NAME", "blog");
        env.put("DB_USER", "cdc_user");
        env.put("DB_SSL_MODE", "require");
        env.put("KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092");
        return env;
    }

    @Test
    void shouldConfigureTheEngineForOurContracts() {
        Properties p = DebeziumProperties.from(CaptureConfig.from(env()));

        assertThat(p).containsEntry("plugin.name", "pgoutput")
                .containsEntry("publication.name", "cdc_pub")
                .containsEntry("publication.autocreate.mode", "disabled")
                .containsEntry("topic.prefix", "blog")
                .containsEntry("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore")
                .containsEntry("offset.storage.topic", "cdc-capture.blog.offsets")
                .containsEntry("decimal.handling.mode", "string")
                .containsEntry("provide.transaction.metadata", "true")
                .containsEntry("message.prefix.include.list", "audit\\.context")
                .containsEntry("heartbeat.action.query", DebeziumProperties.HEARTBEAT_QUERY)
                .containsEntry("signal.data.collection", "cdc.signal")
                .containsEntry("value.converter.schemas.enable", "false")
                .containsEntry("database.sslmode", "require");
        assertThat(p.getProperty("column.exclude.list")).contains("app\\.users\\.password_hash");
        assertThat(p).doesNotContainKey("database.password");
    }

    @Test
    void shouldMaskConfiguredColumnsWithoutLoggingTheSalt() {
        Map<String, String> env = env();
        env.put("CAPTURE_MASKED_COLUMNS", "app\\.users\\.email");
        env.put("CAPTURE_MASK_SALT", "pepper-123");

        Properties p = DebeziumProperties.from(CaptureConfig.from(env));

        assertThat(p).containsEntry("column.mask.hash.v2.SHA-256.with.salt.pepper-123", "app\\.users\\.email");
        assertThat(DebeziumProperties.redacted(p).toString()).doesNotContain("pepper-123");
    }

    @Test
    void shouldGiveTheEngineTheKafkaSecurityWithoutLoggingTheSecrets() {
        Map<String, String> env = env();
        env.put("KAFKA_SECURITY_PROTOCOL", "sasl-ssl");
        env.put("KAFKA_SASL_USERNAME", "capture");
        env.put("KAFKA_SASL_PASSWORD", "hunter2-kafka");

        Properties p = DebeziumProperties.from(CaptureConfig.from(env));

        assertThat(p).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(p.getProperty("sasl.jaas.config")).contains("username=\"capture\"").contains("hunter2-kafka");
        assertThat(DebeziumProperties.redacted(p).toString()).doesNotContain("hunter2-kafka");
        assertThat(CaptureConfig.from(env).kafka().toString()).doesNotContain("hunter2-kafka");
    }

    @Test
    void shouldRequireASaltForMaskingAndKafkaServers() {
        Map<String, String> env = env();
        env.remove("KAFKA_BOOTSTRAP_SERVERS");
        env.put("CAPTURE_MASKED_COLUMNS", "app\\.users\\.email");
        env.put("CAPTURE_SLOT_NAME", "Bad-Slot");

        assertThatThrownBy(() -> CaptureConfig.from(env)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS is missing")
                .hasMessageContaining("CAPTURE_MASK_SALT is missing")
                .hasMessageContaining("CAPTURE_SLOT_NAME='Bad-Slot' is invalid");
    }
}
