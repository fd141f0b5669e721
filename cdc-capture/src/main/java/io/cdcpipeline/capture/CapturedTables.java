package io.cdcpipeline.capture;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The tables capture publishes, known before the first change arrives: the publication's tables
 * that {@code CAPTURE_TABLES} selects (each expression matched against the whole schema.table, as
 * Debezium's include list does). Capture creates their topics at start, with its configuration,
 * so consumers that start first wait for the topics instead of creating them with theirs.
 */
final class CapturedTables {

    private CapturedTables() {
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
        try (Connection c = DriverManager.getConnection(config.database().jdbcUrl(), config.database().driverProperties());
             PreparedStatement s = c.prepareStatement("SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?"
                     + " ORDER BY 1, 2")) {
            s.setString(1, config.publication());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String table = rs.getString(1) + "." + rs.getString(2);
                    if (include.isEmpty() || include.stream().anyMatch(p -> p.matcher(table).matches())) {
                        topics.add(config.topicPrefix() + "." + table);
                    }
                }
            }
        }
        return topics;
    }
}
