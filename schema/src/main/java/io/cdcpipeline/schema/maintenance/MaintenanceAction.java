package io.cdcpipeline.schema.maintenance;

/**
 * One thing to do and why. {@code schema} / {@code name} name a table (ANALYZE, VACUUM) or an
 * index (the others); {@code reason} holds the figures that made it due.
 */
public record MaintenanceAction(Kind kind, String schema, String name, String reason) {

    public enum Kind {
        /** Planner statistics are stale. */
        ANALYZE("ANALYZE %s"),
        /** Dead rows past the threshold; ANALYZE too, which costs little more. */
        VACUUM("VACUUM (ANALYZE) %s"),
        /** A bloated or INVALID index, rebuilt without blocking reads or writes. */
        REINDEX("REINDEX INDEX CONCURRENTLY %s"),
        /** What a failed REINDEX CONCURRENTLY leaves behind ({@code *_ccnew}, {@code *_ccold}): the original is intact. */
        DROP_LEFTOVER_INDEX("DROP INDEX CONCURRENTLY IF EXISTS %s");

        private final String sql;

        Kind(String sql) {
            this.sql = sql;
        }

        String sql(String qualifiedName) {
            return String.format(sql, qualifiedName);
        }

        /** {@code analyze}, {@code vacuum}, ...: metric tag and log word. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The target as SQL: both parts quoted. */
    String qualifiedName() {
        return quote(schema) + "." + quote(name);
    }

    public String target() {
        return schema + "." + name;
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
