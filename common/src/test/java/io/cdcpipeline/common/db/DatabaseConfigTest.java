package io.cdcpipeline.common.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cdcpipeline.common.config.ConfigurationException;

class DatabaseConfigTest {

    @TempDir
    Path dir;

    private Map<String, String> valid() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.crt"), "ca");
        Map<String, String> env = new HashMap<>();
        env.put("DB_HOST", "db.internal");
        env.put("DB_NAME", "blog");
        env.put("DB_USER", "app_user");
        env.put("DB_PASSWORD", "s3cret-pw");
        env.put("DB_SSL_ROOT_CERT", ca.toString());
        return env;
    }

    @Test
    void shouldApplyTheSeedDefaults() throws Exception {
        DatabaseConfig config = DatabaseConfig.fromEnv(valid(), "svc");

        PoolSettings critical = config.pool(Priority.CRITICAL);
        assertThat(critical.maxConnections()).isEqualTo(20);
        assertThat(critical.minConnections()).isEqualTo(5);
        assertThat(critical.idleTimeout()).isEqualTo(Duration.ofMillis(30000));
        assertThat(critical.connectTimeout()).isEqualTo(Duration.ofMillis(2000));
        assertThat(critical.acquireTimeout()).isEqualTo(Duration.ofMillis(30000));
        assertThat(config.retry().attempts()).isEqualTo(3);
        assertThat(config.retry().initialDelay()).isEqualTo(Duration.ofMillis(1000));
        assertThat(config.connection().sslMode()).isEqualTo(SslMode.VERIFY_FULL);
        assertThat(config.pool(Priority.BULK).statementTimeout()).isEqualTo(Duration.ofMinutes(15));
        assertThat(config.replicas().enabled()).isFalse();
    }

    @Test
    void shouldReportEveryProblemAtOnceWithoutThePassword() throws Exception {
        Map<String, String> env = valid();
        env.remove("DB_HOST");
        env.put("DB_MAX_CONNECTIONS", "twenty");
        env.put("DB_SSL_ROOT_CERT", dir.resolve("missing.crt").toString());
        env.put("DB_REPLICA_HOSTS", "replica-1:5432,replica-2");

        assertThatThrownBy(() -> DatabaseConfig.fromEnv(env, "svc"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("DB_HOST is missing")
                .hasMessageContaining("DB_MAX_CONNECTIONS='twenty' is invalid: expected an integer")
                .hasMessageContaining("DB_SSL_ROOT_CERT='" + dir.resolve("missing.crt") + "' is invalid: expected a readable file")
                .hasMessageContaining("DB_REPLICA_HOSTS entry 'replica-2' is invalid")
                .hasMessageNotContaining("s3cret-pw")
                .satisfies(e -> assertThat(((ConfigurationException) e).problems()).hasSize(4));
    }

    @Test
    void shouldRefuseMoreMinimumThanMaximumConnections() throws Exception {
        Map<String, String> env = valid();
        env.put("DB_MIN_CONNECTIONS", "30");

        assertThatThrownBy(() -> DatabaseConfig.fromEnv(env, "svc"))
                .hasMessageContaining("DB_MIN_CONNECTIONS (30) exceeds DB_MAX_CONNECTIONS (20)")
                .satisfies(e -> assertThat(((ConfigurationException) e).problems()).as("reported once, not per pool").hasSize(1));
    }

    @Test
    void shouldNameThePerPoolVariableInConflicts() throws Exception {
        Map<String, String> env = valid();
        env.put("DB_BULK_MAX_CONNECTIONS", "2");

        assertThatThrownBy(() -> DatabaseConfig.fromEnv(env, "svc"))
                .hasMessageContaining("DB_MIN_CONNECTIONS (5) exceeds DB_BULK_MAX_CONNECTIONS (2)");
    }

    @Test
    void shouldHideSecretsInInvalidValues() throws Exception {
        Map<String, String> env = valid();
        env.put("DB_SSL_MODE", "sometimes");

        assertThatThrownBy(() -> DatabaseConfig.fromEnv(env, "svc"))
                .hasMessageContaining("DB_SSL_MODE='sometimes' is invalid: expected disable | allow | prefer | require | verify-ca | verify-full");
        assertThat(DatabaseConfig.fromEnv(valid(), "svc").connection().password().orElseThrow().toString()).isEqualTo("********");
        assertThat(DatabaseConfig.fromEnv(valid(), "svc").connection().toString()).doesNotContain("s3cret-pw");
    }

    @Test
    void shouldReadReplicasAndPerPoolOverrides() throws Exception {
        Map<String, String> env = valid();
        env.put("DB_REPLICA_HOSTS", "r1:5433, r2:5434");
        env.put("DB_CRITICAL_MAX_CONNECTIONS", "8");
        env.put("DB_CRITICAL_MIN_CONNECTIONS", "2");

        DatabaseConfig config = DatabaseConfig.fromEnv(env, "svc");

        assertThat(config.replicas().replicas()).extracting(ReplicaSettings.HostPort::toString).containsExactly("r1:5433", "r2:5434");
        assertThat(config.pool(Priority.CRITICAL).maxConnections()).isEqualTo(8);
        assertThat(config.pool(Priority.STANDARD).maxConnections()).isEqualTo(20);
    }
}
