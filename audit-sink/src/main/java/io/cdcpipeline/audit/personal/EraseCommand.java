package io.cdcpipeline.audit.personal;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.cdcpipeline.common.config.ConfigurationException;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.ConnectionSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code audit erase --subject users:42 [--reason TEXT]}: crypto-shreds a data subject through
 * {@code audit.erase_subject} (as admin_user): the subject's key is deleted, so every personal
 * value sealed with it is unreadable from then on, while the sealed text, and so the hash chain
 * and {@code verify}, stay as they were. The erasure is recorded in {@code audit.erasures} in the
 * same transaction, which capture publishes: it reaches the audit log as a change of its own.
 */
@Command(name = "erase", description = "Erase a data subject's personal data from the audit log (crypto-shredding): delete the"
        + " subject's key, so its sealed values become unreadable while the hash chains still verify; the erasure is itself audited.")
public final class EraseCommand implements Callable<Integer> {

    private final Map<String, String> env;
    private final PrintWriter out;

    @Option(names = "--subject", paramLabel = "KIND:VALUE", required = true, description = "the data subject, as"
            + " AUDIT_DATA_SUBJECTS names it, e.g. users:42")
    String subject;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why, e.g. the request's reference (kept with the erasure;"
            + " no personal data)")
    String reason;

    public EraseCommand(Map<String, String> env, PrintWriter out) {
        this.env = env;
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        Settings settings = new Settings(env);
        ConnectionSettings database = ConnectionSettings.read(settings, "audit-erase");
        settings.validate("audit erase");
        if (!subject.matches("[^:]+:.+")) {
            throw new ConfigurationException("audit erase", List.of("--subject: expected kind:value as AUDIT_DATA_SUBJECTS names"
                    + " subjects, e.g. users:42, not '" + subject + "'"));
        }
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(), database.driverProperties())) {
            try (PreparedStatement s = c.prepareStatement("SELECT erasure_id, erased_at, had_key FROM audit.erase_subject(?, ?)")) {
                s.setString(1, subject);
                s.setString(2, reason);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    out.printf("erased %s: erasure %d at %s%n", subject, rs.getLong(1), rs.getTimestamp(2).toInstant());
                    out.println(rs.getBoolean(3)
                            ? "its key is deleted: every personal value sealed with it is unreadable from now on; the audit log's"
                                    + " rows and hash chains are unchanged, and `audit verify` still passes"
                            : "it had no key (no personal value of it was stored, or it was erased before): values that arrive"
                                    + " later are unreadable too");
                }
            }
            out.println(vacuum(c));
        }
        out.println("the erasure reaches the audit log as a change of audit.erasures; Kafka topics and database backups keep"
                + " what they held until their retention ends (docs/audit.md)");
        return 0;
    }

    /** Removes the deleted key's old row version from the table's pages now, rather than at the next autovacuum. */
    private static String vacuum(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("VACUUM audit.subject_keys");
            return "audit.subject_keys vacuumed: the old key is gone from its pages unless a transaction older than the erasure"
                    + " still runs (then at the next vacuum)";
        } catch (SQLException e) {
            return "could not vacuum audit.subject_keys (" + e.getMessage().lines().findFirst().orElse("") + "): the old key stays"
                    + " in its pages until autovacuum runs";
        }
    }
}
