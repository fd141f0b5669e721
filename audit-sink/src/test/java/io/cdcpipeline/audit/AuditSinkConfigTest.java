package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cdcpipeline.audit.checkpoint.LocalCheckpoints;
import io.cdcpipeline.common.config.ConfigurationException;

class AuditSinkConfigTest {

    private static Map<String, String> base() {
        Map<String, String> env = new HashMap<>();
        env.put("DB_HOST", "localhost");
        env.put("DB_NAME", "blog");
        env.put("DB_USER", "audit_user");
        env.put("DB_PASSWORD", "secret");
        env.put("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
        return env;
    }

    @Test
    void shouldRefuseToStartWithoutTheCheckpointKeyAndDirectoryNamingBoth() {
        assertThatThrownBy(() -> AuditSinkConfig.from(base())).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("AUDIT_CHECKPOINT_KEY_FILE is missing").hasMessageContaining("AUDIT_CHECKPOINT_DIR is missing");
    }

    @Test
    void shouldNameTheCheckpointTopicAfterThePrefix(@TempDir Path dir) {
        Map<String, String> env = base();
        env.putAll(LocalCheckpoints.env(dir));
        env.put("KAFKA_TOPIC_PREFIX", "shop");
        env.put("DB_SSL_ROOT_CERT", env.get("AUDIT_CHECKPOINT_PUBLIC_KEY_FILE"));
        AuditSinkConfig config = AuditSinkConfig.from(env);
        assertThat(config.checkpoints().topic()).isEqualTo("shop.audit-checkpoints");
        assertThat(config.checkpoints().directory()).isEqualTo(dir.resolve("checkpoints"));
        assertThat(config.chainTakeoverAfter().toMillis()).isEqualTo(30_000);
    }

    @Test
    void shouldAuditEveryCapturedSchemaUnlessSchemasAreNamed(@TempDir Path dir) {
        Map<String, String> env = base();
        env.putAll(LocalCheckpoints.env(dir));
        env.put("KAFKA_TOPIC_PREFIX", "shop");
        env.put("DB_SSL_ROOT_CERT", env.get("AUDIT_CHECKPOINT_PUBLIC_KEY_FILE"));

        java.util.regex.Pattern every = AuditSinkConfig.from(env).topics();
        assertThat(java.util.List.of("shop.app.articles", "shop.billing.invoices", "shop.message", "audit-sink.dlq.replay"))
                .allMatch(t -> every.matcher(t).matches());
        assertThat(java.util.List.of("shop.cdc.heartbeat", "shop.transaction", "shop.audit-checkpoints", "other.billing.invoices",
                "__debezium-heartbeat.shop", "cdc-capture.shop.offsets")).noneMatch(t -> every.matcher(t).matches());

        env.put("AUDIT_SCHEMAS", "app");
        java.util.regex.Pattern named = AuditSinkConfig.from(env).topics();
        assertThat(named.matcher("shop.app.articles").matches()).isTrue();
        assertThat(named.matcher("shop.billing.invoices").matches()).isFalse();
    }
}
