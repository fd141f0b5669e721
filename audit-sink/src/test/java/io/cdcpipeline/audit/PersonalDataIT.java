package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

import com.fasterxml.jackson.databind.JsonNode;

import io.cdcpipeline.audit.history.HistoryCommand;
import io.cdcpipeline.audit.history.RowHistory;
import io.cdcpipeline.audit.personal.EraseCommand;
import io.cdcpipeline.common.change.CanonicalJson;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.ConnectionSettings;
import io.cdcpipeline.schema.Role;
import picocli.CommandLine;

/**
 * Crypto-shredding end to end: users and their comments are written (INSERT, COPY, updates, a key
 * change, deletes) with personal values the test makes unique (random tokens), so the test itself
 * knows whose data each value is; one user is erased with {@code audit erase}, then changes again
 * and is deleted. Afterwards: no token of anyone is in the audit tables in clear; nothing of the
 * erased user's can be read by any role, through the history functions or the command; every
 * other user's values still read back as the source table holds them (admin_user) or as
 * {@code [personal]} (read_only_user); {@code verify} passes; the erasure is a change in the log.
 */
class PersonalDataIT {

    private static final long SEED = 20261205L;
    private static final Duration CAUGHT_UP = Duration.ofSeconds(120);
    private static final String[] PERSONAL = {"AUDIT_PERSONAL_COLUMNS", "app.users.email,app.users.display_name,app.comments.body",
            "AUDIT_DATA_SUBJECTS", "app.users.id=users,app.comments.author_id=users"};
    private static final long VICTIM = 3;
    private static final long RENAMED_FROM = 5;
    private static final long RENAMED_TO = 105;

    @Test
    void shouldEraseOnePersonsValuesForGoodWhileEveryoneElsesAndTheChainsStayIntact() throws Exception {
        try (AuditFixture f = AuditFixture.start("audit-erase")) {
            f.startSink(PERSONAL);
            Random random = new Random(SEED);
            // Every personal value written, by the subject whose data it is.
            Map<Long, Set<String>> tokens = new HashMap<>();
            try (Connection c = f.capture.db.superuserConnection(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')");
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO app.users (id, org_id, email, username, password_hash,"
                        + " display_name) VALUES (?, 1, ?, ?, 'x', ?)")) {
                    for (long id = 1; id <= 8; id++) {
                        insert.setLong(1, id);
                        insert.setString(2, email(tokens, id, random));
                        insert.setString(3, "user" + id);
                        insert.setString(4, name(tokens, id, random));
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
                StringBuilder copy = new StringBuilder();
                for (long id = 9; id <= 12; id++) {
                    copy.append(id).append("\t1\t").append(email(tokens, id, random)).append("\tuser").append(id).append("\tx\t")
                            .append(name(tokens, id, random)).append('\n');
                }
                new CopyManager(c.unwrap(BaseConnection.class)).copyIn("COPY app.users (id, org_id, email, username, password_hash,"
                        + " display_name) FROM STDIN", new StringReader(copy.toString()));
                s.execute("INSERT INTO app.articles (id, org_id, author_id, slug, title) VALUES (1, 1, 1, 'a', 'A')");
                try (PreparedStatement comment = c.prepareStatement("INSERT INTO app.comments (id, org_id, article_id, author_id, body)"
                        + " VALUES (?, 1, 1, ?, ?)")) {
                    for (long id = 1; id <= 30; id++) {
                        // Users 5 (its key changes below) writes none; the erased user writes a few.
                        long author = id % 6 == 0 ? VICTIM : new long[] {1, 2, 4, 6, 7, 8, 9, 10, 11, 12}[random.nextInt(10)];
                        comment.setLong(1, id);
                        comment.setLong(2, author);
                        comment.setString(3, token(tokens, author, "body", random));
                        comment.executeUpdate();
                    }
                }
                for (int i = 0; i < 10; i++) {
                    long id = 1 + random.nextInt(12);
                    s.execute("UPDATE app.users SET email = '" + email(tokens, id, random) + "', updated_at = now() WHERE id = " + id);
                }
                s.execute("UPDATE app.users SET display_name = NULL WHERE id = 2");
                // A comment changes hands: its body becomes its new author's data.
                s.execute("UPDATE app.comments SET author_id = 2 WHERE id = 1 AND author_id <> " + VICTIM);
                s.execute("UPDATE app.users SET id = " + RENAMED_TO + " WHERE id = " + RENAMED_FROM);
                tokens.put(RENAMED_TO, tokens.get(RENAMED_FROM));
                s.execute("DELETE FROM app.comments WHERE id = 2");
            }
            // The sink has written (and keyed) everything so far; an erasure that comes before the
            // sink ever saw the person leaves a key-less row, which users:999 below covers.
            f.awaitCaughtUp(CAUGHT_UP);
            Map<String, String> admin = f.capture.serviceEnv(Role.ADMIN_USER);
            String erased = erase(admin, "--subject", "users:" + VICTIM, "--reason", "request 2026-117");
            assertThat(erased).contains("erased users:" + VICTIM, "its key is deleted");
            assertThat(erase(admin, "--subject", "users:999")).contains("it had no key");
            // The application goes on: the erased user changes, then is deleted with their comments.
            f.capture.sql("UPDATE app.users SET display_name = '" + name(tokens, VICTIM, random) + "' WHERE id = " + VICTIM);
            f.capture.sql("DELETE FROM app.comments WHERE author_id = " + VICTIM, "DELETE FROM app.users WHERE id = " + VICTIM);
            f.awaitCaughtUp(CAUGHT_UP);
            f.awaitCheckpointed(CAUGHT_UP);

            AuditFixture.Verification verified = f.verify();
            assertThat(verified.exitCode()).as(verified.output()).isZero();
            assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE source_table = 'audit.erasures' AND op = 'c'"
                    + " AND after->>'subject' = 'users:" + VICTIM + "' AND after->>'reason' = 'request 2026-117'"
                    + " AND after->>'had_key' = 'true'")).as("the erasure is an audited change").isOne();
            assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE source_table = 'app.users'")).as("users' changes logged")
                    .isGreaterThanOrEqualTo(12 + 10 + 1 + 2 + 2);

            Set<String> all = new HashSet<>();
            tokens.values().forEach(all::addAll);
            Set<String> victims = new HashSet<>(tokens.get(VICTIM));
            assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE coalesce(before::text, '') || coalesce(after::text, '')"
                    + " ~ '" + String.join("|", all) + "'")).as("no personal value of anyone is stored in clear").isZero();
            assertThat(f.count("SELECT count(*) FROM audit.change_log WHERE source_table = 'app.users'"
                    + " AND after->'email' ? 'sealed' AND after->'email'->>'subject' = 'users:' || (after->>'id')"))
                    .as("users' emails sealed under their own subject").isGreaterThanOrEqualTo(12);
            assertThat(f.count("SELECT count(*) FROM audit.subject_keys WHERE subject IN ('users:" + VICTIM + "', 'users:999')"
                    + " AND key IS NULL AND erased_at IS NOT NULL")).isEqualTo(2);

            Map<Long, JsonNode> now = currentUsers(f);
            try (Connection asAdmin = connect(admin); Connection asAnalyst = connect(f.capture.serviceEnv(Role.READ_ONLY_USER))) {
                RowHistory adminHistory = new RowHistory(asAdmin);
                RowHistory analystHistory = new RowHistory(asAnalyst);
                for (long id : List.of(1L, 2L, 4L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, RENAMED_TO)) {
                    JsonNode row = adminHistory.asOf("app.users", key(id), Instant.now()).orElseThrow().row();
                    for (String column : List.of("email", "display_name", "username")) {
                        assertThat(row.get(column)).as("user %d's %s in clear for admin_user, as the source table holds it", id, column)
                                .isEqualTo(now.get(id).get(column));
                    }
                    JsonNode seen = analystHistory.asOf("app.users", key(id), Instant.now()).orElseThrow().row();
                    assertThat(seen.get("email").asText()).as("user %d for read_only_user", id).isEqualTo("[personal]");
                    assertThat(seen.get("username")).isEqualTo(now.get(id).get("username"));
                }
                // The renamed user's history before the key change reads too, under the old key.
                assertThat(adminHistory.changes("app.users", key(RENAMED_FROM), null).toString()).contains(tokens.get(RENAMED_FROM)
                        .iterator().next());

                // Nothing of the erased user's, by any role, through any history, before or after the erasure.
                for (RowHistory history : List.of(adminHistory, analystHistory)) {
                    List<RowHistory.Change> changes = history.changes("app.users", key(VICTIM), null);
                    assertThat(changes).extracting(RowHistory.Change::op).startsWith("c").contains("u").endsWith("d");
                    for (RowHistory.Change change : changes) {
                        for (JsonNode image : new JsonNode[] {change.before(), change.after()}) {
                            if (image != null) {
                                assertThat(image.get("email").asText()).isEqualTo("[erased]");
                                assertThat(image.get("username").asText()).isEqualTo("user" + VICTIM);
                            }
                        }
                    }
                    assertThat(history.asOf("app.users", key(VICTIM), Instant.now())).isEmpty();
                    for (long comment = 1; comment <= 30; comment++) {
                        assertThat(history.changes("app.comments", key(comment), null).toString()).doesNotContain(victims.toArray(String[]::new));
                    }
                }
                assertThat(sqlHistory(asAnalyst, "app.users", VICTIM)).doesNotContain(victims.toArray(String[]::new)).contains("[erased]");
                assertThat(sqlHistory(asAnalyst, "app.users", 4)).doesNotContain(all.toArray(String[]::new)).contains("[personal]");
                assertThat(sqlHistory(asAdmin, "app.users", 4)).as("admin_user gets the sealed values, the command opens them")
                        .doesNotContain(all.toArray(String[]::new)).contains("sealed").doesNotContain("[personal]");
            }
            String printed = history(admin, "--table", "app.users", "--key", Long.toString(VICTIM));
            assertThat(printed).contains("[erased]", "delete").doesNotContain(victims.toArray(String[]::new));
            assertThat(history(admin, "--table", "app.users", "--key", "4"))
                    .contains(now.get(4L).get("email").asText());

            // verify opens sealed values to compare rows with their records: an altered one is named, and only it.
            long[] target = forgeOneEmail(f);
            AuditFixture.Verification broken = f.verify("--table", "app.users");
            assertThat(broken.exitCode()).as(broken.output()).isEqualTo(1);
            assertThat(broken.output()).contains("at offset " + target[0] + " (row id " + target[1] + "): this row was modified");
            assertThat(broken.output().lines().filter(l -> l.contains("this row was"))).as(broken.output()).hasSize(1);
        }
    }

    /** A careful forger gives one user's email, in one logged update, the sealed email of another row; returns (offset, id). */
    private static long[] forgeOneEmail(AuditFixture f) throws SQLException {
        try (Connection su = f.capture.db.superuserConnection(); Statement s = su.createStatement();
             ResultSet rs = s.executeQuery("SELECT chain_topic, chain_partition, chain_offset, id FROM audit.change_log"
                     + " WHERE source_table = 'app.users' AND op IN ('c', 'u') AND after->>'id' = '4' ORDER BY chain_offset LIMIT 1")) {
            rs.next();
            ChainRows.Ref chain = new ChainRows.Ref("audit.change_log", rs.getString(1), rs.getInt(2));
            long offset = rs.getLong(3);
            long id = rs.getLong(4);
            CarefulForger.forge(su, chain, offset, "UPDATE audit.change_log SET after = jsonb_set(after, '{email}', (SELECT after->'email'"
                    + " FROM audit.change_log WHERE source_table = 'app.users' AND after->>'id' = '6' LIMIT 1)) WHERE id = " + id);
            return new long[] {offset, id};
        }
    }

    private static String email(Map<Long, Set<String>> tokens, long id, Random random) {
        return token(tokens, id, "mail", random) + "@example.org";
    }

    private static String name(Map<Long, Set<String>> tokens, long id, Random random) {
        return token(tokens, id, "name", random);
    }

    /** A value no other value contains, recorded as the subject's. */
    private static String token(Map<Long, Set<String>> tokens, long subject, String what, Random random) {
        String token = what + "x" + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
        tokens.computeIfAbsent(subject, k -> new HashSet<>()).add(token);
        return token;
    }

    private static Map<Long, JsonNode> currentUsers(AuditFixture f) throws SQLException {
        Map<Long, JsonNode> rows = new HashMap<>();
        try (Connection c = f.capture.db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, to_jsonb(u)::text FROM app.users u")) {
            while (rs.next()) {
                rows.put(rs.getLong(1), CanonicalJson.parse(rs.getString(2)));
            }
        }
        return rows;
    }

    /** What an analyst's own SQL gets: every column of audit.row_history, as text. */
    private static String sqlHistory(Connection c, String table, long id) throws SQLException {
        StringBuilder out = new StringBuilder();
        try (PreparedStatement s = c.prepareStatement("SELECT h::text FROM audit.row_history(?, ?::jsonb) h")) {
            s.setString(1, table);
            s.setString(2, "{\"id\": " + id + "}");
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.append(rs.getString(1)).append('\n');
                }
            }
        }
        assertThat(out).as("%s %d has a history", table, id).isNotEmpty();
        return out.toString();
    }

    private static String erase(Map<String, String> env, String... args) {
        return run(out -> new EraseCommand(env, out), args);
    }

    private static String history(Map<String, String> env, String... args) {
        return run(out -> new HistoryCommand(env, out), args);
    }

    /** Runs a command as a user would: its output, after checking it exited 0. */
    private static String run(Function<PrintWriter, Object> command, String... args) {
        StringWriter text = new StringWriter();
        int code = new CommandLine(command.apply(new PrintWriter(text, true))).execute(args);
        assertThat(code).as(text.toString()).isZero();
        return text.toString();
    }

    private static JsonNode key(long id) {
        return CanonicalJson.parse("{\"id\": " + id + "}");
    }

    private static Connection connect(Map<String, String> env) throws SQLException {
        ConnectionSettings database = ConnectionSettings.read(new Settings(env), "erase-test");
        return DriverManager.getConnection(database.jdbcUrl(), database.driverProperties());
    }
}
