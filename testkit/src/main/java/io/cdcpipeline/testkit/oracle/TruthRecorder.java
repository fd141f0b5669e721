package io.cdcpipeline.testkit.oracle;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The independent oracle: row triggers (and a TRUNCATE trigger) on every captured application
 * table write what each committed statement did into the {@code oracle} schema, in the same
 * transaction as the change. It shares nothing with the pipeline: no WAL decoding, no Debezium, no
 * Kafka, no code of ours. Work rolled back (a transaction, a savepoint) leaves nothing here, as in
 * the WAL; the schema is not in the publication, so capture never sees it.
 *
 * <p>Test and benchmark use only: it doubles the write cost of every change.
 */
public final class TruthRecorder {

    private TruthRecorder() {
    }

    /** Creates the oracle schema and its triggers on every table of the publication {@code cdc_pub} in schema app. */
    public static List<String> install(Connection superuser) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement s = superuser.createStatement()) {
            s.execute("""
                    CREATE SCHEMA oracle;
                    CREATE TABLE oracle.changes (
                        seq         bigserial PRIMARY KEY,
                        tx_id       xid8 NOT NULL DEFAULT pg_current_xact_id(),
                        table_name  text NOT NULL,
                        op          text NOT NULL,
                        before      jsonb,
                        after       jsonb);
                    -- SECURITY DEFINER: any role's transaction may record its changes; UTC so times print one way.
                    CREATE FUNCTION oracle.record_row() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
                        SET search_path = pg_catalog SET timezone = 'UTC' AS $fn$
                    BEGIN
                        INSERT INTO oracle.changes (table_name, op, before, after) VALUES (TG_ARGV[0],
                            CASE TG_OP WHEN 'INSERT' THEN 'c' WHEN 'UPDATE' THEN 'u' ELSE 'd' END,
                            CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
                            CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
                        RETURN NULL;
                    END $fn$;
                    CREATE FUNCTION oracle.record_truncate() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
                        SET search_path = pg_catalog AS $fn$
                    BEGIN
                        INSERT INTO oracle.changes (table_name, op) VALUES (TG_ARGV[0], 't');
                        RETURN NULL;
                    END $fn$;
                    """);
            try (ResultSet rs = s.executeQuery("SELECT schemaname || '.' || tablename FROM pg_publication_tables"
                    + " WHERE pubname = 'cdc_pub' AND schemaname = 'app' ORDER BY 1")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String table : tables) {
                String name = table.replace('.', '_');
                // On a partitioned table the row trigger is cloned to every partition, present and future.
                s.execute("CREATE TRIGGER oracle_" + name + " AFTER INSERT OR UPDATE OR DELETE ON " + table
                        + " FOR EACH ROW EXECUTE FUNCTION oracle.record_row('" + table + "')");
                s.execute("CREATE TRIGGER oracle_truncate_" + name + " AFTER TRUNCATE ON " + table
                        + " FOR EACH STATEMENT EXECUTE FUNCTION oracle.record_truncate('" + table + "')");
            }
        }
        return tables;
    }
}
