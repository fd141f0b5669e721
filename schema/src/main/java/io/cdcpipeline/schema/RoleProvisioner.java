package io.cdcpipeline.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.config.Secret;

/**
 * The cluster- and database-level prerequisites the changelog cannot own: the roles (cluster-wide),
 * their passwords (from configuration, never from a changelog), {@code pg_monitor} membership,
 * database privileges, the {@code migrations} schema for Liquibase's own tables, and the
 * {@code pg_stat_statements} extension. Idempotent: running it again changes nothing.
 */
final class RoleProvisioner {

    static final String MIGRATIONS_SCHEMA = "migrations";
    private static final Logger LOG = LoggerFactory.getLogger(RoleProvisioner.class);

    private RoleProvisioner() {
    }

    static void provision(Connection c, Map<Role, Secret> passwords) throws SQLException {
        String database = c.getCatalog();
        for (Role role : Role.values()) {
            if (!roleExists(c, role)) {
                execute(c, "CREATE ROLE " + role.roleName() + " " + role.attributes());
                LOG.info("created role {}", role.roleName());
            }
        }
        if (!query(c, "SELECT rolreplication FROM pg_roles WHERE rolname = 'cdc_user'")) {
            execute(c, "ALTER ROLE cdc_user REPLICATION");
        }
        if (!query(c, "SELECT pg_has_role('monitor_user', 'pg_monitor', 'MEMBER')")) {
            execute(c, "GRANT pg_monitor TO monitor_user");
        }
        for (Map.Entry<Role, Secret> entry : passwords.entrySet()) {
            // Hashed (SCRAM) on the client: the clear password never reaches the server or its log.
            c.unwrap(PGConnection.class).alterUserPassword(entry.getKey().roleName(),
                    entry.getValue().reveal().toCharArray(), "scram-sha-256");
        }
        String db = "\"" + database.replace("\"", "\"\"") + "\"";
        execute(c, "REVOKE CONNECT, TEMPORARY ON DATABASE " + db + " FROM PUBLIC");
        execute(c, "GRANT CONNECT ON DATABASE " + db + " TO admin_user, app_user, read_only_user, audit_user,"
                + " analytics_user, monitor_user, cdc_user");
        execute(c, "GRANT CREATE ON DATABASE " + db + " TO admin_user");
        // REFRESH MATERIALIZED VIEW CONCURRENTLY builds its diff in a temporary table, as the view's owner.
        execute(c, "GRANT TEMPORARY ON DATABASE " + db + " TO admin_user, analytics_user");
        execute(c, "CREATE SCHEMA IF NOT EXISTS " + MIGRATIONS_SCHEMA + " AUTHORIZATION admin_user");
        if (query(c, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")) {
            execute(c, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        } else if (!query(c, "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_stat_statements')")) {
            LOG.warn("pg_stat_statements is not installed in {} and {} cannot create it: ask a superuser to run"
                    + " CREATE EXTENSION pg_stat_statements (the monitor needs it)", database, c.getMetaData().getUserName());
        }
    }

    private static boolean roleExists(Connection c, Role role) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            s.setString(1, role.roleName());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    static boolean query(Connection c, String booleanQuery) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(booleanQuery)) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
