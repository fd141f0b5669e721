package io.cdcpipeline.common.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cdcpipeline.testkit.CertificateAuthority;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.TcpForwarder;
import io.cdcpipeline.testkit.TestDatabase;

/** Our pools' TLS against a real server: verify-full works, and every way it should fail fails clearly. */
class TlsConnectionIT {

    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = EmbeddedInfrastructure.shared().postgres().createDatabase("common-tls");
        db.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tls_client') THEN"
                + " CREATE ROLE tls_client LOGIN PASSWORD 'tls-client-pw'; END IF; END $$");
    }

    @Test
    void shouldConnectWithVerifyFullAndClientCertificate() throws SQLException {
        try (Database database = TestDatabases.open(TestDatabases.config(db), Priority.CRITICAL)) {
            String ssl = database.critical().withConnection(c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "SELECT ssl::text || ' ' || client_dn || ' ' || current_setting('application_name')"
                                + " FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
                    rs.next();
                    return rs.getString(1);
                }
            });
            assertThat(ssl).isEqualTo("true /CN=postgres common-test-critical");
        }
    }

    @Test
    void shouldConnectWithAPasswordOverVerifyFull() throws SQLException {
        DatabaseConfig config = TestDatabases.config(db, "DB_USER", "tls_client", "DB_PASSWORD", "tls-client-pw");
        config = new DatabaseConfig(config.connection().withUser("tls_client", config.connection().password(),
                java.util.Optional.empty(), java.util.Optional.empty()), config.pools(), config.retry(), config.replicas(),
                false, config.adaptiveInterval());
        try (Database database = TestDatabases.open(config, Priority.STANDARD)) {
            String user = database.standard().withConnection(c -> c.getMetaData().getUserName());
            assertThat(user).isEqualTo("tls_client");
        }
    }

    @Test
    void shouldFailClearlyWithTheWrongCa(@TempDir Path dir) {
        CertificateAuthority other = CertificateAuthority.create("not-our-ca", dir);
        DatabaseConfig config = TestDatabases.config(db, "DB_SSL_ROOT_CERT", other.certificateFile().toString(),
                "DB_RETRY_ATTEMPTS", "0", "DB_ACQUIRE_TIMEOUT", "3000");

        assertThatThrownBy(() -> TestDatabases.open(config, Priority.CRITICAL))
                .isInstanceOf(SQLException.class)
                .hasStackTraceContaining("SSL error")
                .hasStackTraceContaining("PKIX path");
    }

    @Test
    void shouldFailClearlyWhenTheHostIsNotInTheCertificate() throws Exception {
        try (TcpForwarder alias = TcpForwarder.start("127.0.0.2", "localhost", db.server().port())) {
            DatabaseConfig config = TestDatabases.config(db, "DB_HOST", "127.0.0.2", "DB_PORT", Integer.toString(alias.port()),
                    "DB_RETRY_ATTEMPTS", "0", "DB_ACQUIRE_TIMEOUT", "3000");

            assertThatThrownBy(() -> TestDatabases.open(config, Priority.CRITICAL))
                    .isInstanceOf(SQLException.class)
                    .hasStackTraceContaining("127.0.0.2");
        }
    }

    @Test
    void shouldBeRefusedByTheServerWithoutTls() {
        String url = "jdbc:postgresql://localhost:" + db.server().port() + "/" + db.name() + "?sslmode=disable";
        assertThatThrownBy(() -> {
            try (Connection c = DriverManager.getConnection(url, "tls_client", "tls-client-pw")) {
                c.isValid(1);
            }
        }).isInstanceOf(SQLException.class).hasMessageContaining("no encryption");
    }
}
