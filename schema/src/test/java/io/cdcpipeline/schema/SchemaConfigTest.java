package io.cdcpipeline.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.config.ConfigurationException;
import io.cdcpipeline.common.db.SslMode;

class SchemaConfigTest {

    @Test
    void shouldDefaultToVerifyFullAndReadRolePasswords() {
        SchemaConfig config = SchemaConfig.from(Map.of("DB_HOST", "db", "DB_NAME", "blog", "DB_USER", "postgres",
                "DB_SSL_MODE", "require", "APP_USER_PASSWORD", "pw"));

        assertThat(config.connection().sslMode()).isEqualTo(SslMode.REQUIRE);
        assertThat(config.rolePasswords()).containsOnlyKeys(Role.APP_USER);
        assertThat(config.rolePasswords().get(Role.APP_USER).toString()).isEqualTo("********");
        assertThat(config.lockTimeout()).hasSeconds(300);
    }

    @Test
    void shouldRequireTheCaUnderVerifyFull() {
        assertThatThrownBy(() -> SchemaConfig.from(Map.of("DB_HOST", "db", "DB_NAME", "blog", "DB_USER", "u")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("DB_SSL_ROOT_CERT is missing");
    }

    @Test
    void shouldRejectANegativeLockTimeout() {
        assertThatThrownBy(() -> SchemaConfig.from(Map.of("DB_HOST", "db", "DB_NAME", "blog", "DB_USER", "u",
                "DB_SSL_MODE", "disable", "MIGRATION_LOCK_TIMEOUT", "-1")))
                .hasMessageContaining("MIGRATION_LOCK_TIMEOUT='-1' is invalid");
    }
}
