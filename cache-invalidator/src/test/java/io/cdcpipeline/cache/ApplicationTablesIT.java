package io.cdcpipeline.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.capture.CaptureFixture;

/** The column catalog key rules are checked against is the migrated schema, minus what capture leaves out. */
class ApplicationTablesIT {

    @Test
    void shouldMatchTheMigratedSchema() throws Exception {
        CaptureFixture f = CaptureFixture.create("cache-catalog");
        Pattern excluded = Pattern.compile(f.config().excludedColumns().replace(",", "|"));
        Map<String, Set<String>> actual = new TreeMap<>();
        try (Connection c = f.db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT c.relname, a.attname FROM pg_class c"
                     + " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid"
                     + " WHERE n.nspname = 'app' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
                     + " AND a.attnum > 0 AND NOT a.attisdropped")) {
            while (rs.next()) {
                String table = "app." + rs.getString(1);
                if (!excluded.matcher(table + "." + rs.getString(2)).matches()) {
                    actual.computeIfAbsent(table, t -> new TreeSet<>()).add(rs.getString(2));
                }
            }
        }
        Map<String, Set<String>> catalog = new TreeMap<>();
        ApplicationTables.COLUMNS.forEach((table, columns) -> catalog.put(table, new TreeSet<>(columns)));

        assertThat(catalog).isEqualTo(actual);
    }
}
