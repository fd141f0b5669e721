package io.cdcpipeline.testkit;

import java.sql.Connection;
import java.sql.SQLException;

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
}
