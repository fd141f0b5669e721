package io.cdcpipeline.testkit;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/** One database on a {@link PostgresServer}, created for one test class. */
public record TestDatabase(PostgresServer server, String name) {

    /** {@code sslmode=verify-full} JDBC URL without credentials. */
    public String jdbcUrl() {
        return server.jdbcUrl(name);
    }

    /** JDBC URL that logs in as {@code role} with its client certificate. */
    public String jdbcUrlWithClientCertificate(String role) {
        return server.jdbcUrlWithClientCertificate(name, role);
    }

    public Connection superuserConnection() throws SQLException {
        return server.superuserConnection(name);
    }

    public void execute(String sql) {
        server.execute(name, sql);
    }

    /**
     * The {@code DB_*} environment of a service connecting to this database as the superuser
     * (client certificate, {@code verify-full}): what {@code ConnectionSettings} reads.
     */
    public Map<String, String> superuserEnv() {
        return certificateEnv(PostgresServer.SUPERUSER);
    }

    /** The {@code DB_*} environment of a role logging in with its client certificate (e.g. cdc_user). */
    public Map<String, String> certificateEnv(String role) {
        CertificateFiles cert = server.tls().client(role);
        Map<String, String> env = passwordEnv(role, null);
        env.put("DB_SSL_CERT", cert.certificate().toString());
        env.put("DB_SSL_KEY", cert.privateKey().toString());
        return env;
    }

    /** The {@code DB_*} environment of a role logging in with a password (over {@code verify-full} TLS). */
    public Map<String, String> passwordEnv(String role, String password) {
        Map<String, String> env = new HashMap<>();
        env.put("DB_HOST", server.host());
        env.put("DB_PORT", Integer.toString(server.port()));
        env.put("DB_NAME", name);
        env.put("DB_USER", role);
        if (password != null) {
            env.put("DB_PASSWORD", password);
        }
        env.put("DB_SSL_MODE", "verify-full");
        env.put("DB_SSL_ROOT_CERT", server.tls().caCertificate().toString());
        return env;
    }
}
