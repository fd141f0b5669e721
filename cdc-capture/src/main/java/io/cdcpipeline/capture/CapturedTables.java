package io.cdcpipeline.capture;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tables capture publishes, known before the first change arrives: the publication's tables
 * that {@code CAPTURE_TABLES} selects (each expression matched against the whole schema.table, as
 * Debezium's include list does), or, without it, every table of the publication but capture's own
 * (schema {@code cdc}). Capture creates their topics at start, with its configuration, so consumers
 * that start first wait for the topics instead of creating them with theirs.
 */
final class CapturedTables {

    /** A regular expression no table name matches: Debezium takes an empty include list as "every table". */
    static final String NO_TABLE = "(?!)";
    private static final Logger LOG = LoggerFactory.getLogger(CapturedTables.class);

    private CapturedTables() {
    }

    /**
     * {@code config} with its include list resolved: {@code CAPTURE_TABLES} when set, else the
     * publication's tables, each as an exact expression. Read at each engine start, so a table
     * enrolled since is captured after a restart.
     */
    static CaptureConfig resolve(CaptureConfig config) throws SQLException {
        if (!config.tables().isBlank()) {
            return config;
        }
        List<String> exact = new ArrayList<>();
        for (String table : publicationTables(config)) {
            if (!table.startsWith("cdc.")) {
                exact.add(literal(table));
            }
        }
        if (exact.isEmpty()) {
            LOG.warn("publication {} holds no table to capture yet: add yours with `schema enroll --tables ...`, then restart"
                    + " capture (and request a snapshot with `capture snapshot` for rows that existed before)", config.publication());
            return config.withTables(NO_TABLE);
        }
        LOG.info("capturing the {} tables of publication {}", exact.size(), config.publication());
        return config.withTables(String.join(",", exact));
    }

    /** {@code schema.table} as a regular expression matching exactly it. */
    static String literal(String table) {
        return table.replaceAll("[\\\\.\\[\\]{}()*+?^$|-]", "\\\\$0");
    }

    /** The change topics of the captured tables: {@code <prefix>.<schema>.<table>}. */
    static List<String> topics(CaptureConfig config) throws SQLException {
        List<Pattern> include = new ArrayList<>();
        for (String expression : config.tables().split(",")) {
            if (!expression.isBlank()) {
                include.add(Pattern.compile(expression.trim()));
            }
        }
        List<String> topics = new ArrayList<>();
        for (String table : publicationTables(config)) {
            if (include.isEmpty() || include.stream().anyMatch(p -> p.matcher(table).matches())) {
                topics.add(config.topicPrefix() + "." + table);
            }
        }
        return topics;
    }

    /** {@code schema.table} of each table in the publication, partitions left out (published under their root). */
    private static List<String> publicationTables(CaptureConfig config) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(config.database().jdbcUrl(), config.database().driverProperties());
             PreparedStatement s = c.prepareStatement("SELECT pt.schemaname, pt.tablename FROM pg_publication_tables pt"
                     + " JOIN pg_namespace n ON n.nspname = pt.schemaname JOIN pg_class c ON c.relnamespace = n.oid"
                     + " AND c.relname = pt.tablename WHERE pt.pubname = ? AND NOT c.relispartition ORDER BY 1, 2")) {
            s.setString(1, config.publication());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1) + "." + rs.getString(2));
                }
            }
        }
        return tables;
    }
}
