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
        boolean superuser = query(c, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user");
        int version = serverVersion(c);
        boolean from16 = version >= 160000;
        if (!superuser && !query(c, "SELECT pg_has_role('admin_user', '" + (from16 ? "SET" : "MEMBER") + "')")) {
            // A CREATEROLE migrator (a managed service's admin) needs to SET ROLE admin_user. From 16 on,
            // creating a role made it a member WITH ADMIN but without SET: it may now grant itself SET
            // (not INHERIT: it does not take on admin_user's privileges otherwise). On 15, CREATEROLE
            // may grant any role that is not a superuser.
            execute(c, from16 ? "GRANT admin_user TO CURRENT_USER WITH INHERIT FALSE, SET TRUE" : "GRANT admin_user TO CURRENT_USER");
        }
        if (!query(c, "SELECT rolreplication FROM pg_roles WHERE rolname = 'cdc_user'")) {
            try {
                execute(c, "ALTER ROLE cdc_user REPLICATION");
            } catch (SQLException e) {
                throw new SchemaException("cdc_user needs the REPLICATION attribute and " + c.getMetaData().getUserName()
                        + " may not give it (" + e.getMessage() + "): ask a superuser to run ALTER ROLE cdc_user REPLICATION, or on"
                        + " a managed service grant its replication role (e.g. GRANT rds_replication TO cdc_user), then migrate again");
            }
        }
        // Before 17 only a materialized view's owner may refresh it: the changelog (running as admin_user)
        // hands analytics.article_analytics to analytics_user, which PostgreSQL allows only to a member of the new owner.
        if (version < 170000
                && !query(c, "SELECT pg_has_role('admin_user', 'analytics_user', 'MEMBER')")) {
            execute(c, "GRANT analytics_user TO admin_user");
        }
        if (!query(c, "SELECT pg_has_role('monitor_user', 'pg_monitor', 'MEMBER')")) {
            try {
                // Auto-commit: a refused GRANT leaves nothing to roll back.
                execute(c, "GRANT pg_monitor TO monitor_user");
            } catch (SQLException e) {
                // Only schema monitor needs it: the pipeline runs without.
                LOG.warn("{} may not grant pg_monitor ({}): ask a superuser to run GRANT pg_monitor TO monitor_user;"
                        + " until then schema monitor sees only its own sessions", c.getMetaData().getUserName(), e.getMessage());
            }
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
        if (superuser) {
            execute(c, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        } else if (!query(c, "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_stat_statements')")) {
            LOG.warn("pg_stat_statements is not installed in {} and {} cannot create it: ask a superuser to run"
                    + " CREATE EXTENSION pg_stat_statements (the monitor needs it)", database, c.getMetaData().getUserName());
        }
    }

    private static int serverVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_setting('server_version_num')::int")) {
            rs.next();
            return rs.getInt(1);
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
