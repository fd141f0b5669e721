package io.cdcpipeline.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.config.Secret;

/**
 * The cluster- and database-level prerequisites the changelog cannot own: the roles (cluster-wide),
 * their passwords (from configuration, never from a changelog), {@code pg_monitor} membership,
 * database privileges, the {@code migrations} schema for Liquibase's own tables, and the
 * {@code pg_stat_statements} extension.
 *
 * <p>Planned before anything runs: {@link #plan} lists only what would change (running it again
 * lists nothing), {@code schema migrate --dry-run} prints that list, and {@code migrate} logs each
 * step before running it. Two things are never done silently, because they reach beyond this
 * pipeline: a role of the same name that cdc-pipeline did not create is not taken over (it would
 * get privileges and a password) unless {@code --adopt-roles} says so, and {@code CONNECT} is not
 * taken from {@code PUBLIC} while other login roles still connect through it.
 */
final class RoleProvisioner {

    static final String MIGRATIONS_SCHEMA = "migrations";
    /** Start of the comment on every role cdc-pipeline created or adopted: only such roles are ever altered. */
    static final String MARKER = "cdc-pipeline";
    private static final Logger LOG = LoggerFactory.getLogger(RoleProvisioner.class);

    interface Action {
        void run(Connection c) throws SQLException;
    }

    /** One change, with where it reaches ({@code cluster} or {@code database}) and how it is shown. */
    record Step(String scope, String shown, Action action) {
        static Step sql(String scope, String sql) {
            return new Step(scope, sql, c -> execute(c, sql));
        }
    }

    /** The steps to run, what stops the migration before any of them, and what is left to the user. */
    record Plan(List<Step> steps, List<String> refusals, List<String> notes) {
    }

    private RoleProvisioner() {
    }

    /**
     * What provisioning would change. {@code migratedBefore}: this database already holds our
     * changelog, so unmarked roles of our names are ours from a version that did not mark them.
     */
    static Plan plan(Connection c, boolean example, Map<Role, Secret> passwords, boolean adoptRoles, boolean migratedBefore)
            throws SQLException {
        List<Step> steps = new ArrayList<>();
        List<String> refusals = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Role> roles = Role.installed(example);
        String me = c.getMetaData().getUserName();
        for (Role role : roles) {
            String comment = "COMMENT ON ROLE " + role.roleName() + " IS '" + MARKER + ": created by schema migrate'";
            if (!roleExists(c, role)) {
                steps.add(Step.sql("cluster", "CREATE ROLE " + role.roleName() + " " + role.attributes()));
                steps.add(Step.sql("cluster", comment));
            } else if (!marked(c, role)) {
                if (adoptRoles || migratedBefore) {
                    steps.add(Step.sql("cluster", comment.replace("created by", "adopted by")));
                } else {
                    refusals.add("role " + role.roleName() + " already exists and cdc-pipeline did not create it: migrating would"
                            + " give it privileges" + (passwords.containsKey(role) ? " and a new password" : "") + ". Drop or"
                            + " rename it, or take it over knowingly with `schema migrate --adopt-roles`");
                }
            }
        }
        boolean superuser = query(c, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user");
        int version = serverVersion(c);
        boolean from16 = version >= 160000;
        if (!superuser && !hasRole(c, me, "admin_user", from16 ? "SET" : "MEMBER")) {
            // A CREATEROLE migrator (a managed service's admin) needs to SET ROLE admin_user. From 16 on,
            // creating a role made it a member WITH ADMIN but without SET: it may now grant itself SET
            // (not INHERIT: it does not take on admin_user's privileges otherwise). On 15, CREATEROLE
            // may grant any role that is not a superuser.
            steps.add(Step.sql("cluster", from16 ? "GRANT admin_user TO CURRENT_USER WITH INHERIT FALSE, SET TRUE"
                    : "GRANT admin_user TO CURRENT_USER"));
        }
        if (!query(c, "SELECT coalesce((SELECT rolreplication FROM pg_roles WHERE rolname = 'cdc_user'), false)")) {
            String sql = "ALTER ROLE cdc_user REPLICATION";
            steps.add(new Step("cluster", sql, conn -> {
                try {
                    execute(conn, sql);
                } catch (SQLException e) {
                    throw new SchemaException("cdc_user needs the REPLICATION attribute and " + me + " may not give it ("
                            + e.getMessage() + "): ask a superuser to run ALTER ROLE cdc_user REPLICATION, or on a managed"
                            + " service grant its replication role (e.g. GRANT rds_replication TO cdc_user), then migrate again");
                }
            }));
        }
        // Before 17 only a materialized view's owner may refresh it: the changelog (running as admin_user)
        // hands analytics.article_analytics to analytics_user, which PostgreSQL allows only to a member of the new owner.
        if (example && version < 170000 && !hasRole(c, "admin_user", "analytics_user", "MEMBER")) {
            steps.add(Step.sql("cluster", "GRANT analytics_user TO admin_user"));
        }
        if (!hasRole(c, "monitor_user", "pg_monitor", "MEMBER")) {
            String sql = "GRANT pg_monitor TO monitor_user";
            steps.add(new Step("cluster", sql, conn -> {
                try {
                    // Auto-commit: a refused GRANT leaves nothing to roll back.
                    execute(conn, sql);
                } catch (SQLException e) {
                    // Only schema monitor needs it: the pipeline runs without.
                    LOG.warn("{} may not grant pg_monitor ({}): ask a superuser to run GRANT pg_monitor TO monitor_user;"
                            + " until then schema monitor sees only its own sessions", me, e.getMessage());
                }
            }));
        }
        for (Role role : roles) {
            Secret password = passwords.get(role);
            if (password != null) {
                // Hashed (SCRAM) on the client: the clear password never reaches the server or its log.
                steps.add(new Step("cluster", "ALTER ROLE " + role.roleName() + " PASSWORD <" + role.passwordSetting().name()
                        + ", SCRAM-hashed here>", conn -> conn.unwrap(PGConnection.class).alterUserPassword(role.roleName(),
                        password.reveal().toCharArray(), "scram-sha-256")));
            }
        }
        planDatabase(c, roles, example, superuser, steps, notes);
        return new Plan(List.copyOf(steps), List.copyOf(refusals), List.copyOf(notes));
    }

    private static void planDatabase(Connection c, List<Role> roles, boolean example, boolean superuser, List<Step> steps,
                                     List<String> notes) throws SQLException {
        String database = c.getCatalog();
        String db = "\"" + database.replace("\"", "\"\"") + "\"";
        if (publicHas(c, "CONNECT") || publicHas(c, "TEMPORARY")) {
            List<String> relying = rolesConnectingThroughPublic(c, roles);
            if (relying.isEmpty()) {
                steps.add(Step.sql("database", "REVOKE CONNECT, TEMPORARY ON DATABASE " + db + " FROM PUBLIC"));
            } else {
                notes.add("PUBLIC keeps CONNECT on database " + database + " because " + String.join(", ", relying)
                        + " connect through it; once they have their own GRANT CONNECT, run REVOKE CONNECT, TEMPORARY ON"
                        + " DATABASE " + db + " FROM PUBLIC so that only the roles granted can connect");
            }
        }
        for (Role role : roles) {
            if (!hasOwnGrant(c, role.roleName(), "CONNECT") && roleExistsOrPlanned(c, role, steps)) {
                steps.add(Step.sql("database", "GRANT CONNECT ON DATABASE " + db + " TO " + role.roleName()));
            }
        }
        if (!hasOwnGrant(c, "admin_user", "CREATE")) {
            steps.add(Step.sql("database", "GRANT CREATE ON DATABASE " + db + " TO admin_user"));
        }
        // REFRESH MATERIALIZED VIEW CONCURRENTLY builds its diff in a temporary table, as the view's owner.
        for (String role : example ? List.of("admin_user", "analytics_user") : List.of("admin_user")) {
            if (!hasOwnGrant(c, role, "TEMPORARY")) {
                steps.add(Step.sql("database", "GRANT TEMPORARY ON DATABASE " + db + " TO " + role));
            }
        }
        if (!query(c, "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = '" + MIGRATIONS_SCHEMA + "')")) {
            steps.add(Step.sql("database", "CREATE SCHEMA " + MIGRATIONS_SCHEMA + " AUTHORIZATION admin_user"));
        }
        if (!query(c, "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_stat_statements')")) {
            if (superuser && query(c, "SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_stat_statements')")) {
                steps.add(Step.sql("database", "CREATE EXTENSION pg_stat_statements"));
            } else {
                notes.add("pg_stat_statements is not installed in " + database + ": ask a superuser to run CREATE EXTENSION"
                        + " pg_stat_statements (schema monitor's statement statistics need it; the pipeline does not)");
            }
        }
    }

    /** Runs the plan's steps in order, logging each first; refuses to start if the plan has refusals. */
    static void apply(Connection c, Plan plan) throws SQLException {
        if (!plan.refusals().isEmpty()) {
            throw new SchemaException("nothing was changed:\n  - " + String.join("\n  - ", plan.refusals()));
        }
        for (Step step : plan.steps()) {
            LOG.info("{}: {}", step.scope(), step.shown());
            step.action().run(c);
        }
        plan.notes().forEach(note -> LOG.warn(note));
    }

    private static boolean roleExistsOrPlanned(Connection c, Role role, List<Step> steps) throws SQLException {
        return roleExists(c, role) || steps.stream().anyMatch(s -> s.shown().startsWith("CREATE ROLE " + role.roleName() + " "));
    }

    private static boolean publicHas(Connection c, String privilege) throws SQLException {
        return query(c, "SELECT EXISTS (SELECT FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a"
                + " WHERE d.datname = current_database() AND a.grantee = 0 AND a.privilege_type = '" + privilege + "')");
    }

    /** A grant of the privilege on this database to the role itself (not through PUBLIC or ownership). */
    private static boolean hasOwnGrant(Connection c, String role, String privilege) throws SQLException {
        return query(c, "SELECT EXISTS (SELECT FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a"
                + " JOIN pg_roles r ON r.oid = a.grantee WHERE d.datname = current_database() AND r.rolname = '" + role
                + "' AND a.privilege_type = '" + privilege + "')");
    }

    /**
     * Login roles, not ours, that may connect to this database only because PUBLIC may: no
     * superusers, not the owner, and no CONNECT granted to them or to a role they belong to.
     */
    private static List<String> rolesConnectingThroughPublic(Connection c, List<Role> ours) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT r.rolname FROM pg_roles r, pg_database d
                 WHERE d.datname = current_database() AND r.rolcanlogin AND NOT r.rolsuper AND r.oid <> d.datdba
                   AND r.rolname <> ALL (?) AND r.rolname NOT LIKE 'pg\\_%'
                   AND NOT EXISTS (SELECT FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                                    WHERE a.privilege_type = 'CONNECT' AND a.grantee <> 0
                                      AND pg_has_role(r.oid, a.grantee, 'MEMBER'))
                 ORDER BY 1""")) {
            s.setArray(1, c.createArrayOf("text", ours.stream().map(Role::roleName).toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return names;
    }

    /** {@code pg_has_role}, but false while either role is yet to be created (where the function would fail). */
    private static boolean hasRole(Connection c, String member, String role, String mode) throws SQLException {
        if (!roleExists(c, member) || !roleExists(c, role)) {
            return false;
        }
        try (PreparedStatement s = c.prepareStatement("SELECT pg_has_role(?, ?, ?)")) {
            s.setString(1, member);
            s.setString(2, role);
            s.setString(3, mode);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static boolean marked(Connection c, Role role) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT coalesce(shobj_description(oid, 'pg_authid'), '') LIKE ? FROM pg_roles WHERE rolname = ?")) {
            s.setString(1, MARKER + ":%");
            s.setString(2, role.roleName());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static int serverVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_setting('server_version_num')::int")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static boolean roleExists(Connection c, Role role) throws SQLException {
        return roleExists(c, role.roleName());
    }

    private static boolean roleExists(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            s.setString(1, name);
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
