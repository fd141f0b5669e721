package io.cdcpipeline.schema;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs the {@link SchemaChecks} whose changesets are applied. */
final class SchemaVerifier {

    private SchemaVerifier() {
    }

    static VerificationReport verify(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            // Partition bounds of timestamptz keys print in the session time zone.
            s.execute("SET TIME ZONE 'UTC'");
        }
        List<String> applied = Migrator.appliedIds(c);
        List<String> ran = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (SchemaChecks.Check check : SchemaChecks.ALL) {
            if (Arrays.stream(check.requiresChangeset().split("\\|")).noneMatch(applied::contains)) {
                continue;
            }
            ran.add(check.name());
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(check.problemsQuery())) {
                while (rs.next()) {
                    problems.add(check.name() + ": " + rs.getString(1));
                }
            }
        }
        return new VerificationReport(ran, problems);
    }
}
