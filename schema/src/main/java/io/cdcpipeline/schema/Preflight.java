package io.cdcpipeline.schema;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that must hold before anything is changed: server version, logical decoding, the
 * extensions we need, and the rights of the migrating role. Every problem is reported at once,
 * and a failing check stops the migration before its first statement.
 */
final class Preflight {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Preflight.class);

    private Preflight() {
    }

    static List<String> problems(Connection c) throws SQLException {
        List<String> problems = new ArrayList<>();
        int version = Integer.parseInt(setting(c, "server_version_num"));
        if (version < 150000) {
            problems.add("PostgreSQL 15 or newer is required; this server is " + setting(c, "server_version"));
        }
        String walLevel = setting(c, "wal_level");
        if (!walLevel.equals("logical")) {
            problems.add("wal_level is '" + walLevel + "' but logical decoding needs 'logical': set wal_level = logical"
                    + " in postgresql.conf and restart the server");
        }
        if (Integer.parseInt(setting(c, "max_replication_slots")) < 1 || Integer.parseInt(setting(c, "max_wal_senders")) < 1) {
            problems.add("max_replication_slots and max_wal_senders must be at least 1 for cdc-capture");
        }
        if (!RoleProvisioner.query(c, "SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_stat_statements')")) {
            // Only `schema monitor` reads it: the pipeline works without it.
            LOG.warn("the extension pg_stat_statements is not available on this server (install the contrib package and add it"
                    + " to shared_preload_libraries): schema monitor will export no statement statistics");
        }
        boolean superuser = RoleProvisioner.query(c, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user");
        if (!superuser) {
            if (!RoleProvisioner.query(c, "SELECT rolcreaterole FROM pg_roles WHERE rolname = current_user")) {
                problems.add("role " + c.getMetaData().getUserName() + " may not create roles: migrate as a superuser"
                        + " or a role with CREATEROLE");
            }
            if (!RoleProvisioner.query(c, "SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'admin_user')"
                    + " OR pg_has_role('admin_user', 'MEMBER')")) {
                problems.add("role " + c.getMetaData().getUserName() + " is not a member of admin_user and cannot"
                        + " SET ROLE admin_user to own the schema objects");
            }
        }
        return problems;
    }

    private static String setting(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_setting('" + name + "')")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
