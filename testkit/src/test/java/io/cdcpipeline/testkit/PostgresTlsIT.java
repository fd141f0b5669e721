package io.cdcpipeline.testkit;

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

class PostgresTlsIT {

    private static PostgresServer server;
    private static TestDatabase db;

    @BeforeAll
    static void startServer() {
        server = EmbeddedInfrastructure.shared().postgres();
        db = server.createDatabase("tls");
        db.execute("CREATE ROLE tls_app LOGIN PASSWORD 'tls-secret'");
    }

    @Test
    void shouldRefusePlainConnections() {
        String plainUrl = "jdbc:postgresql://localhost:" + server.port() + "/" + db.name() + "?sslmode=disable";

        assertThatThrownBy(() -> DriverManager.getConnection(plainUrl, "tls_app", "tls-secret"))
                .as("pg_hba rejects hostnossl for every role")
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("no encryption");
    }

    @Test
    void shouldConnectWithVerifyFullAndReportSsl() throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), "tls_app", "tls-secret");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean("ssl")).as("pg_stat_ssl.ssl of our own backend").isTrue();
            assertThat(rs.getString("version")).startsWith("TLSv1.");
        }
        assertThat(db.jdbcUrl()).contains("sslmode=verify-full");
    }

    @Test
    void shouldRejectServerCertificateFromAnotherCa(@TempDir Path dir) {
        CertificateAuthority other = CertificateAuthority.create("other-ca", dir);
        String url = "jdbc:postgresql://localhost:" + server.port() + "/" + db.name()
                + "?sslmode=verify-full&sslrootcert=" + other.certificateFile();

        assertThatThrownBy(() -> DriverManager.getConnection(url, "tls_app", "tls-secret"))
                .as("verify-full must not trust a server certificate signed by a CA we did not give it")
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("SSL error");
    }

    @Test
    void shouldRejectHostNameNotInCertificate() throws Exception {
        // 127.0.0.2 is loopback too, but the server certificate names only localhost, 127.0.0.1 and ::1.
        try (TcpForwarder alias = TcpForwarder.start("127.0.0.2", "localhost", server.port())) {
            String url = "jdbc:postgresql://127.0.0.2:" + alias.port() + "/" + db.name()
                    + "?sslmode=verify-full&sslrootcert=" + server.tls().caCertificate();

            assertThatThrownBy(() -> DriverManager.getConnection(url, "tls_app", "tls-secret"))
                    .as("verify-full checks the host name against the certificate")
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("127.0.0.2");

            String verifyCa = url.replace("verify-full", "verify-ca");
            try (Connection c = DriverManager.getConnection(verifyCa, "tls_app", "tls-secret")) {
                assertThat(c.isValid(2)).as("the relay itself works: only the host-name check failed").isTrue();
            }
        }
    }

    @Test
    void shouldAuthenticateReplicationRoleByClientCertificateOnly() throws SQLException {
        server.ensureRole(PostgresServer.CDC_ROLE, "REPLICATION");

        try (Connection c = DriverManager.getConnection(db.jdbcUrlWithClientCertificate("cdc_user"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_user, ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("current_user")).isEqualTo("cdc_user");
            assertThat(rs.getString("client_dn")).isEqualTo("/CN=cdc_user");
        }
        assertThatThrownBy(() -> DriverManager.getConnection(db.jdbcUrl(), "cdc_user", "any-password"))
                .as("without a certificate cdc_user cannot log in")
                .isInstanceOf(SQLException.class);
    }
}
