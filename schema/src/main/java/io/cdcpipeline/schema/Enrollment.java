package io.cdcpipeline.schema;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code schema enroll}: prepares tables of the user's own (not the example schema's) for capture
 * and audit, and {@code schema unenroll} undoes exactly that. For each table, only what is missing:
 * <ol>
 * <li>the publication {@code cdc_pub} publishes it;</li>
 * <li>{@code REPLICA IDENTITY FULL}, so updates and deletes carry the whole before image;</li>
 * <li>{@code cdc_user} may read it (incremental snapshots) and use its schema;</li>
 * <li>the statement trigger {@code audit_context}, which names the acting user in the audit log.</li>
 * </ol>
 * A table needs a primary key (Debezium keys its records by it). What enroll changed is recorded
 * in {@code cdc.enrollments} as the statements that undo it; unenroll runs them, so a table
 * returns to the replica identity, grants and publication membership it had. Granting
 * {@code USAGE} on a schema is the one database-level change; unenroll leaves it (it reveals no
 * rows). Both run in one transaction, as a role that owns the tables and the publication (a
 * superuser, or the tables' owner that is also {@code admin_user}).
 */
final class Enrollment {

    /** A table of the user's. */
    record Table(String schema, String name) {
        String qualified() {
            return quote(schema) + "." + quote(name);
        }

        String display() {
            return schema + "." + name;
        }
    }

    /** The statements enrolling (or unenrolling) one table, and those that undo them. */
    record Plan(Table table, List<String> statements, List<String> undo) {
    }

    private Enrollment() {
    }

    /**
     * The tables {@code spec} names: comma-separated {@code schema.table}, where {@code *} in either
     * part matches any run of characters. Partitions are left out (their rows are published under
     * their parent). A part that matches nothing is an error.
     */
    static List<Table> resolve(Connection c, String spec) throws SQLException {
        Set<Table> tables = new LinkedHashSet<>();
        for (String part : spec.split("\\s*,\\s*")) {
            String[] names = part.trim().split("\\.", 2);
            if (names.length != 2 || names[0].isEmpty() || names[1].isEmpty()) {
                throw new SchemaException("'" + part + "' is not schema.table (a '*' matches any characters)");
            }
            List<Table> found = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT n.nspname, c.relname FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition"
                    + " AND n.nspname LIKE ? AND c.relname LIKE ? AND n.nspname NOT IN ('pg_catalog', 'information_schema',"
                    + " 'audit', 'analytics', 'cdc', 'maintenance', 'monitoring', 'migrations') ORDER BY 1, 2")) {
                s.setString(1, like(names[0]));
                s.setString(2, like(names[1]));
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        found.add(new Table(rs.getString(1), rs.getString(2)));
                    }
                }
            }
            if (found.isEmpty()) {
                throw new SchemaException("'" + part + "' matches no table (the pipeline's own schemas are never enrolled)");
            }
            tables.addAll(found);
        }
        return List.copyOf(tables);
    }

    /** What enrolling each table changes (nothing for what is already in place). */
    static List<Plan> enrollPlans(Connection c, List<Table> tables) throws SQLException {
        List<Plan> plans = new ArrayList<>();
        Set<String> schemasGranted = new LinkedHashSet<>();
        for (Table t : tables) {
            if (!query(c, "SELECT EXISTS (SELECT FROM pg_constraint WHERE conrelid = ?::regclass AND contype = 'p')", t.qualified())) {
                throw new SchemaException(t.display() + " has no primary key: add one (capture keys each change by it)");
            }
            List<String> statements = new ArrayList<>();
            List<String> undo = new ArrayList<>();
            if (!query(c, "SELECT EXISTS (SELECT FROM pg_publication_tables WHERE pubname = 'cdc_pub' AND schemaname = ?"
                    + " AND tablename = ?)", t.schema(), t.name())) {
                statements.add("ALTER PUBLICATION cdc_pub ADD TABLE " + t.qualified());
                undo.add("ALTER PUBLICATION cdc_pub DROP TABLE " + t.qualified());
            }
            String identity = text(c, "SELECT relreplident::text FROM pg_class WHERE oid = ?::regclass", t.qualified());
            if (!"f".equals(identity)) {
                statements.add("ALTER TABLE " + t.qualified() + " REPLICA IDENTITY FULL");
                undo.add("ALTER TABLE " + t.qualified() + " REPLICA IDENTITY " + switch (identity) {
                    case "n" -> "NOTHING";
                    case "i" -> "USING INDEX " + quote(text(c, "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                            + " WHERE x.indrelid = ?::regclass AND x.indisreplident", t.qualified()));
                    default -> "DEFAULT";
                });
            }
            if (!query(c, "SELECT has_schema_privilege('cdc_user', ?, 'USAGE')", t.schema()) && schemasGranted.add(t.schema())) {
                statements.add("GRANT USAGE ON SCHEMA " + quote(t.schema()) + " TO cdc_user");
            }
            if (!query(c, "SELECT has_table_privilege('cdc_user', ?, 'SELECT')", t.qualified())) {
                statements.add("GRANT SELECT ON " + t.qualified() + " TO cdc_user");
                undo.add("REVOKE SELECT ON " + t.qualified() + " FROM cdc_user");
            }
            if (!query(c, "SELECT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = ?::regclass AND tgname = 'audit_context')",
                    t.qualified())) {
                statements.add("CREATE TRIGGER audit_context AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON " + t.qualified()
                        + " FOR EACH STATEMENT EXECUTE FUNCTION cdc.emit_audit_context()");
                undo.add("DROP TRIGGER audit_context ON " + t.qualified());
            }
            List<String> reversed = new ArrayList<>(undo);
            java.util.Collections.reverse(reversed);
            plans.add(new Plan(t, statements, reversed));
        }
        return plans;
    }

    /** The recorded undo of each table; a table enroll did not prepare is an error. */
    static List<Plan> unenrollPlans(Connection c, List<Table> tables) throws SQLException {
        List<Plan> plans = new ArrayList<>();
        for (Table t : tables) {
            try (PreparedStatement s = c.prepareStatement("SELECT undo FROM cdc.enrollments WHERE table_name = ?")) {
                s.setString(1, t.display());
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        throw new SchemaException(t.display() + " was not enrolled by `schema enroll`: nothing to undo");
                    }
                    plans.add(new Plan(t, List.of((String[]) rs.getArray(1).getArray()), List.of()));
                }
            }
        }
        return plans;
    }

    /** Runs the plans in one transaction, recording (enroll) or forgetting (unenroll) each table. */
    static void apply(Connection c, List<Plan> plans, boolean enroll) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            for (Plan plan : plans) {
                for (String sql : plan.statements()) {
                    s.execute(sql);
                }
                if (enroll) {
                    try (PreparedStatement record = c.prepareStatement("INSERT INTO cdc.enrollments (table_name, undo) VALUES (?, ?)"
                            + " ON CONFLICT (table_name) DO UPDATE SET undo = EXCLUDED.undo || cdc.enrollments.undo")) {
                        record.setString(1, plan.table().display());
                        Array undo = c.createArrayOf("text", plan.undo().toArray());
                        record.setArray(2, undo);
                        record.executeUpdate();
                    }
                } else {
                    try (PreparedStatement forget = c.prepareStatement("DELETE FROM cdc.enrollments WHERE table_name = ?")) {
                        forget.setString(1, plan.table().display());
                        forget.executeUpdate();
                    }
                }
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private static boolean query(Connection c, String sql, String... args) throws SQLException {
        String text = text(c, sql, args);
        return "t".equals(text) || "true".equals(text);
    }

    private static String text(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setString(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static String like(String glob) {
        return glob.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace('*', '%');
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
