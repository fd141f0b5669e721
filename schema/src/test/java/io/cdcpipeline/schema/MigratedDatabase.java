package io.cdcpipeline.schema;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.TestDatabase;

/** A fresh database on the shared test server, migrated by the production {@link Migrator}. */
public final class MigratedDatabase {

    /** Passwords for the service roles. Roles are cluster-wide: every test class sets the same ones. */
    public static final String PASSWORD = "test-only-password";

    public final TestDatabase db;
    public final Map<String, String> env;

    private MigratedDatabase(TestDatabase db, Map<String, String> env) {
        this.db = db;
        this.env = env;
    }

    public static MigratedDatabase create(String hint) throws SQLException {
        MigratedDatabase m = empty(hint);
        VerificationReport report = m.migrator().migrate(Optional.empty());
        if (!report.ok()) {
            throw new AssertionError(report.toString());
        }
        return m;
    }

    public static MigratedDatabase empty(String hint) {
        TestDatabase db = EmbeddedInfrastructure.shared().postgres().createDatabase(hint);
        return new MigratedDatabase(db, envFor(db));
    }

    public static Map<String, String> envFor(TestDatabase db) {
        Map<String, String> env = new HashMap<>(db.superuserEnv());
        for (Role role : Role.values()) {
            if (role != Role.CDC_USER) {
                env.put(role.passwordSetting().name(), PASSWORD);
            }
        }
        env.put("MIGRATION_LOCK_TIMEOUT", "120");
        return env;
    }

    public Migrator migrator() {
        return new Migrator(SchemaConfig.from(env));
    }

    /** A connection as {@code role}: SCRAM password over verify-full TLS, or the certificate for cdc_user. */
    public Connection connectAs(Role role) throws SQLException {
        if (role == Role.CDC_USER) {
            return DriverManager.getConnection(db.jdbcUrlWithClientCertificate(role.roleName()));
        }
        return DriverManager.getConnection(db.jdbcUrl(), role.roleName(), PASSWORD);
    }

    public Connection superuser() throws SQLException {
        return db.superuserConnection();
    }

    public long queryLong(String sql) throws SQLException {
        try (Connection c = superuser(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public java.util.List<String> queryStrings(String sql) throws SQLException {
        java.util.List<String> rows = new java.util.ArrayList<>();
        try (Connection c = superuser(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    public void execute(String sql) {
        db.execute(sql);
    }

    /** Runs the statements in order as admin_user, the owner of every schema object. */
    public void asAdmin(String... statements) throws SQLException {
        try (Connection c = superuser(); Statement s = c.createStatement()) {
            s.execute("SET ROLE admin_user");
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }
}
