package io.cdcpipeline.audit.history;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cdcpipeline.common.change.CanonicalJson;
import io.cdcpipeline.common.config.ConfigurationException;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.ConnectionSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code audit history --table T --key K [--at TIME] [--since TIME] [--format table|json]}: the
 * row as it was at TIME (now by default) and every change of it after {@code --since} (after
 * {@code --at} when given, else all of them), each with its actor, transaction and changed
 * columns. Connects with the DB_* settings of a role granted the history functions
 * (read_only_user is).
 */
@Command(name = "history", description = "A row as it was at a time and every change of it since, with who made each"
        + " (audit.row_as_of and audit.row_history, as any role granted them, e.g. read_only_user).")
public final class HistoryCommand implements Callable<Integer> {

    /** How the history is printed. */
    public enum Format { table, json }

    private final Map<String, String> env;
    private final PrintWriter out;

    @Option(names = "--table", paramLabel = "SCHEMA.TABLE", required = true, description = "the row's table, e.g. app.articles")
    String table;

    @Option(names = "--key", paramLabel = "KEY", required = true, description = "the row's primary key: its value when the key"
            + " has one column (42), else a JSON object ({\"user_id\": 1, \"article_id\": 7})")
    String key;

    @Option(names = "--at", paramLabel = "TIME", description = "ISO-8601 instant to show the row as of (default: now)")
    Instant at;

    @Option(names = "--since", paramLabel = "TIME", description = "list the changes committed after this ISO-8601 instant"
            + " (default: after --at when it is given, else every change)")
    Instant since;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE})")
    Format format;

    public HistoryCommand(Map<String, String> env, PrintWriter out) {
        this.env = env;
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        Settings settings = new Settings(env);
        ConnectionSettings database = ConnectionSettings.read(settings, "audit-history");
        settings.validate("audit history");
        Instant asOf = at == null ? Instant.now() : at;
        Instant changesAfter = since != null ? since : at;
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(), database.driverProperties())) {
            c.setReadOnly(true);
            RowHistory history = new RowHistory(c);
            JsonNode rowKey;
            try {
                rowKey = history.key(table, key);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("audit history", List.of(e.getMessage()));
            }
            Optional<RowHistory.State> state = history.asOf(table, rowKey, asOf);
            List<RowHistory.Change> changes = history.changes(table, rowKey, changesAfter);
            if (format == Format.json) {
                out.println(json(rowKey, asOf, changesAfter, state, changes));
            } else {
                printTable(rowKey, asOf, changesAfter, state, changes);
            }
        }
        return 0;
    }

    private void printTable(JsonNode rowKey, Instant asOf, Instant after, Optional<RowHistory.State> state,
                            List<RowHistory.Change> changes) {
        out.printf("%s %s as of %s: ", table, CanonicalJson.of(rowKey), asOf);
        if (state.isEmpty()) {
            out.println("no such row");
        } else {
            RowHistory.State s = state.get();
            out.printf("last changed %s (%s, transaction %s%s)%n", s.changedAt(), operation(s.op()), s.txId(), actor(s.dbUser(),
                    s.appUser(), null));
            s.row().fields().forEachRemaining(f -> out.printf("  %-24s %s%n", f.getKey(), CanonicalJson.of(f.getValue())));
        }
        out.printf("%nchanges %s: %d%n", after == null ? "(all)" : "after " + after, changes.size());
        for (RowHistory.Change c : changes) {
            out.printf("%s  %-8s transaction %s%s%n", c.committedAt(), operation(c.op()), c.txId(), actor(c.dbUser(), c.appUser(),
                    c.appOrg()));
            if (c.otherKey() != null) {
                out.printf("    key changed %s %s%n", "d".equals(c.op()) ? "to" : "from", CanonicalJson.of(c.otherKey()));
            }
            if ("u".equals(c.op()) && c.before() != null && c.after() != null) {
                for (String column : c.changedColumns()) {
                    out.printf("    %-22s %s -> %s%n", column, text(c.before().get(column)), text(c.after().get(column)));
                }
            }
        }
    }

    private static String operation(String op) {
        return switch (op) {
            case "c" -> "insert";
            case "u" -> "update";
            case "d" -> "delete";
            case "r" -> "snapshot";
            case "t" -> "TRUNCATE";
            default -> op;
        };
    }

    private static String actor(String dbUser, String appUser, String appOrg) {
        StringBuilder actor = new StringBuilder();
        if (appUser != null) {
            actor.append(", app user ").append(appUser);
        }
        if (appOrg != null) {
            actor.append(" of organization ").append(appOrg);
        }
        if (dbUser != null) {
            actor.append(", database role ").append(dbUser);
        }
        return actor.toString();
    }

    private static String text(JsonNode value) {
        return value == null ? "null" : CanonicalJson.of(value);
    }

    private String json(JsonNode rowKey, Instant asOf, Instant after, Optional<RowHistory.State> state,
                        List<RowHistory.Change> changes) {
        ObjectNode root = CanonicalJson.MAPPER.createObjectNode();
        root.put("table", table);
        root.set("key", rowKey);
        root.put("as_of", asOf.toString());
        if (state.isPresent()) {
            RowHistory.State s = state.get();
            root.set("row", s.row());
            ObjectNode last = root.putObject("last_change");
            last.put("committed_at", s.changedAt().toString());
            last.put("op", s.op());
            putNullable(last, "tx_id", s.txId());
            last.put("db_user", s.dbUser());
            last.put("app_user", s.appUser());
        } else {
            root.putNull("row");
        }
        root.put("changes_after", after == null ? null : after.toString());
        ArrayNode list = root.putArray("changes");
        for (RowHistory.Change c : changes) {
            ObjectNode change = list.addObject();
            change.put("committed_at", c.committedAt().toString());
            change.put("op", c.op());
            change.set("key", c.primaryKey());
            putNullable(change, "tx_id", c.txId());
            change.put("source_lsn", c.sourceLsn());
            ObjectNode actor = change.putObject("actor");
            actor.put("db_user", c.dbUser());
            actor.put("app_user", c.appUser());
            actor.put("app_org", c.appOrg());
            actor.put("application_name", c.applicationName());
            ArrayNode columns = change.putArray("changed_columns");
            c.changedColumns().forEach(columns::add);
            change.set("before", c.before());
            change.set("after", c.after());
            change.set("other_key", c.otherKey());
        }
        return root.toPrettyString();
    }

    private static void putNullable(ObjectNode node, String field, Long value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }
}
