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

    /** The table {@code audit erase} records erasures in: always captured when published, so every erasure is audited. */
    static final String ERASURES = "audit.erasures";
    private static final Logger LOG = LoggerFactory.getLogger(CapturedTables.class);

    private CapturedTables() {
    }

    /** The configuration with its include list resolved, and the change topics of the tables it captures. */
    record Resolved(CaptureConfig config, List<String> topics) {
    }

    /**
     * One read of the publication, at each engine start (so a table enrolled since is captured
     * after a restart): the include list is {@code CAPTURE_TABLES} when set, else the publication's
     * tables but capture's own, each as an exact expression; the topics are those of the tables
     * the include list selects. Without CAPTURE_TABLES an unreadable publication is a failure
     * (retried); with it, the topics are then created with their tables' first changes.
     */
    static Resolved resolve(CaptureConfig config) throws SQLException {
        List<String> published;
        try {
            published = publicationTables(config);
        } catch (SQLException e) {
            if (config.tables().isBlank()) {
                throw e;
            }
            LOG.warn("cannot list the tables of publication {} ({}): each topic is created with its table's first change",
                    config.publication(), e.getMessage());
            return new Resolved(config, List.of());
        }
        CaptureConfig resolved = config.tables().isBlank() ? config.withTables(includeList(config, published))
                : withErasures(config, published);
        return new Resolved(resolved, topics(resolved, published));
    }

    /** {@code CAPTURE_TABLES} plus the erasures table when the publication holds it and no expression selects it. */
    private static CaptureConfig withErasures(CaptureConfig config, List<String> published) {
        if (!published.contains(ERASURES) || matches(config.tables(), ERASURES)) {
            return config;
        }
        LOG.info("capturing {} too (the audit log's erasures) besides CAPTURE_TABLES", ERASURES);
        return config.withTables(config.tables() + "," + literal(ERASURES));
    }

    private static boolean matches(String includeList, String table) {
        for (String expression : includeList.split(",")) {
            if (!expression.isBlank() && Pattern.compile(expression.trim()).matcher(table).matches()) {
                return true;
            }
        }
        return false;
    }

    private static String includeList(CaptureConfig config, List<String> published) {
        List<String> exact = new ArrayList<>();
        for (String table : published) {
            if (!table.startsWith("cdc.")) {
                exact.add(literal(table));
            }
        }
        if (exact.stream().allMatch(literal(ERASURES)::equals)) {
            LOG.warn("publication {} holds no table to capture yet: add yours with `schema enroll --tables ...`, then restart"
                    + " capture (and request a snapshot with `capture snapshot` for rows that existed before)", config.publication());
            return exact.isEmpty() ? NO_TABLE : String.join(",", exact);
        }
        LOG.info("capturing the {} tables of publication {}", exact.size(), config.publication());
        return String.join(",", exact);
    }

    /** {@code schema.table} as a regular expression matching exactly it. */
    static String literal(String table) {
        return table.replaceAll("[\\\\.\\[\\]{}()*+?^$|-]", "\\\\$0");
    }

    /** The change topics of the published tables the include list selects: {@code <prefix>.<schema>.<table>}. */
    private static List<String> topics(CaptureConfig config, List<String> published) {
        List<Pattern> include = new ArrayList<>();
        for (String expression : config.tables().split(",")) {
            if (!expression.isBlank()) {
                include.add(Pattern.compile(expression.trim()));
            }
        }
        List<String> topics = new ArrayList<>();
        for (String table : published) {
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
