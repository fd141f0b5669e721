package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

import com.fasterxml.jackson.databind.JsonNode;

import io.cdcpipeline.audit.history.HistoryCommand;
import io.cdcpipeline.audit.history.RowHistory;
import io.cdcpipeline.common.change.CanonicalJson;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.ConnectionSettings;
import io.cdcpipeline.schema.Role;
import picocli.CommandLine;

/**
 * {@code audit.row_as_of} against the source table itself: a seeded random workload on app.tags
 * (inserts, COPY, updates, deletes, key changes, a delete and a re-insert of one key in one
 * transaction, TRUNCATE) takes snapshots of the whole table between its transactions; once the
 * audit log has caught up, every key ever used is looked up as of every snapshot's instant, as
 * read_only_user, and must be exactly the snapshot's row (or absent where the snapshot has none).
 * The snapshots are the oracle: plain SELECTs, no code shared with the pipeline.
 */
class HistoryIT {

    private static final long SEED = 20261204L;
    private static final Duration CAUGHT_UP = Duration.ofSeconds(120);

    /** The table at an instant: id → row as to_jsonb gives it. */
    private record Snapshot(Instant at, Map<Long, JsonNode> rows) {
    }

    @Test
    void shouldRebuildEveryRowAsItWasAtEachSnapshotInstant() throws Exception {
        try (AuditFixture f = AuditFixture.start("audit-history")) {
            f.startSink();
            f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')");
            Random random = new Random(SEED);
            List<Snapshot> snapshots = new ArrayList<>();
            TreeSet<Long> everUsed = new TreeSet<>();
            List<Long> live = new ArrayList<>();
            long nextId = 1;
            long movedFrom = -1;
            long movedTo = -1;
            try (Connection c = f.capture.db.superuserConnection(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                for (int step = 0; step < 150; step++) {
                    int dice = random.nextInt(100);
                    if (dice < 25 || live.size() < 3) {
                        int n = 1 + random.nextInt(3);
                        for (int i = 0; i < n; i++) {
                            long id = nextId++;
                            s.execute("INSERT INTO app.tags (id, org_id, name, slug) VALUES (" + id + ", 1, 'tag " + id + "', 's" + id + "')");
                            live.add(id);
                        }
                    } else if (dice < 35) {
                        StringBuilder csv = new StringBuilder();
                        int n = 3 + random.nextInt(8);
                        for (int i = 0; i < n; i++) {
                            long id = nextId++;
                            csv.append(id).append(",1,copied ").append(id).append(",s").append(id).append('\n');
                            live.add(id);
                        }
                        new CopyManager(c.unwrap(BaseConnection.class)).copyIn("COPY app.tags (id, org_id, name, slug) FROM STDIN"
                                + " (FORMAT csv)", new StringReader(csv.toString()));
                    } else if (dice < 65) {
                        long id = live.get(random.nextInt(live.size()));
                        s.execute("UPDATE app.tags SET name = 'renamed " + random.nextInt(1_000_000) + "' WHERE id = " + id);
                    } else if (dice < 75) {
                        long id = live.remove(random.nextInt(live.size()));
                        s.execute("DELETE FROM app.tags WHERE id = " + id);
                    } else if (dice < 85) {
                        int index = random.nextInt(live.size());
                        long from = live.get(index);
                        long to = nextId++;
                        s.execute("UPDATE app.tags SET id = " + to + ", name = name || ' (moved)' WHERE id = " + from);
                        live.set(index, to);
                        movedFrom = from;
                        movedTo = to;
                    } else if (dice < 92) {
                        // Gone and back within one transaction: two changes of one key, one commit time.
                        long id = live.get(random.nextInt(live.size()));
                        s.execute("DELETE FROM app.tags WHERE id = " + id);
                        s.execute("INSERT INTO app.tags (id, org_id, name, slug) VALUES (" + id + ", 1, 'reborn " + step + "', 's" + id + "')");
                        s.execute("UPDATE app.tags SET name = name || '!' WHERE id = " + id);
                    } else if (dice < 97) {
                        long id = nextId++;
                        s.execute("INSERT INTO app.tags (id, org_id, name, slug) VALUES (" + id + ", 1, 'brief', 's" + id + "')");
                        s.execute("UPDATE app.tags SET name = 'briefer' WHERE id = " + id);
                        live.add(id);
                    } else {
                        s.execute("TRUNCATE app.tags CASCADE");
                        live.clear();
                    }
                    c.commit();
                    everUsed.addAll(live);
                    if (step % 3 == 2) {
                        snapshots.add(snapshot(c));
                    }
                }
                everUsed.add(movedFrom);
                everUsed.add(movedTo);
            }
            f.assertMatchesOracle(CAUGHT_UP);

            int present = 0;
            try (Connection readOnly = connect(f.capture.serviceEnv(Role.READ_ONLY_USER))) {
                RowHistory history = new RowHistory(readOnly);
                for (Snapshot snapshot : snapshots) {
                    for (long id : everUsed) {
                        Optional<RowHistory.State> state = history.asOf("app.tags", key(id), snapshot.at());
                        JsonNode expected = snapshot.rows().get(id);
                        assertThat(state.map(RowHistory.State::row).orElse(null)).as("app.tags id %d as of %s", id, snapshot.at())
                                .isEqualTo(expected);
                        present += expected == null ? 0 : 1;
                    }
                }
                assertThat(present).as("rows compared present").isGreaterThan(100);
                // The old half of a key change names the new key, to follow the row.
                if (movedFrom > 0) {
                    List<RowHistory.Change> moved = history.changes("app.tags", key(movedFrom), null);
                    RowHistory.Change last = moved.stream().filter(ch -> ch.otherKey() != null).reduce((a, b) -> b).orElseThrow();
                    assertThat(last.op()).isEqualTo("d");
                    assertThat(last.otherKey()).isEqualTo(key(movedTo));
                }
            }
            System.out.printf("history: %d snapshots x %d keys compared (%d present)%n", snapshots.size(), everUsed.size(), present);
        }
    }

    @Test
    void shouldPrintARowsHistoryWithItsActors() throws Exception {
        try (AuditFixture f = AuditFixture.start("audit-history-cli")) {
            f.startSink();
            f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')",
                    "INSERT INTO app.tags (id, org_id, name, slug) VALUES (7, 1, 'seven', 'seven')");
            // The application's actor, as it sets it: the audit_context trigger records it with the transaction.
            f.capture.sql("SET LOCAL app.user_id = '42'", "SET LOCAL app.org_id = '1'", "UPDATE app.tags SET name = 'Seven' WHERE id = 7");
            f.capture.sql("UPDATE app.tags SET slug = 'seven-2' WHERE id = 7");
            f.assertMatchesOracle(CAUGHT_UP);
            Map<String, String> env = f.capture.serviceEnv(Role.READ_ONLY_USER);

            String json = run(env, "--table", "app.tags", "--key", "7", "--format", "json");
            JsonNode printed = CanonicalJson.parse(json);
            try (Connection c = f.capture.db.superuserConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT to_jsonb(t)::text FROM app.tags t WHERE id = 7")) {
                rs.next();
                assertThat(printed.get("row")).as("the row now").isEqualTo(CanonicalJson.parse(rs.getString(1)));
            }
            List<String> ops = new ArrayList<>();
            printed.get("changes").forEach(ch -> ops.add(ch.get("op").asText()));
            assertThat(ops).containsExactly("c", "u", "u");
            assertThat(printed.get("changes").get(1).get("actor").get("app_user").asText()).isEqualTo("42");
            assertThat(printed.get("changes").get(1).get("changed_columns").toString()).isEqualTo("[\"name\"]");

            String table = run(env, "--table", "app.tags", "--key", "7");
            assertThat(table).contains("app.tags {\"id\":7}", "update", "name", "\"seven\" -> \"Seven\"", "app user 42",
                    "slug", "\"seven\" -> \"seven-2\"");
            String before = run(env, "--table", "app.tags", "--key", "7", "--at", "2000-01-01T00:00:00Z");
            assertThat(before).contains("no such row", "changes after 2000-01-01T00:00:00Z: 3");
        }
    }

    private static String run(Map<String, String> env, String... args) {
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text, true);
        int code = new CommandLine(new HistoryCommand(env, out)).execute(args);
        assertThat(code).as(text.toString()).isZero();
        return text.toString();
    }

    private static JsonNode key(long id) {
        return CanonicalJson.parse("{\"id\": " + id + "}");
    }

    /** The whole table and the instant it is as of, with a few milliseconds clear of commits on both sides (ms commit times). */
    private static Snapshot snapshot(Connection c) throws SQLException, InterruptedException {
        Thread.sleep(4);
        Map<Long, JsonNode> rows = new HashMap<>();
        Instant at;
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT clock_timestamp()")) {
                rs.next();
                at = rs.getTimestamp(1).toInstant();
            }
            try (ResultSet rs = s.executeQuery("SELECT id, to_jsonb(t)::text FROM app.tags t")) {
                while (rs.next()) {
                    rows.put(rs.getLong(1), CanonicalJson.parse(rs.getString(2)));
                }
            }
        }
        c.commit();
        Thread.sleep(4);
        return new Snapshot(at, rows);
    }

    private static Connection connect(Map<String, String> env) throws SQLException {
        ConnectionSettings database = ConnectionSettings.read(new Settings(env), "history-test");
        return DriverManager.getConnection(database.jdbcUrl(), database.driverProperties());
    }
}
