package io.cdcpipeline.audit.personal;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;

import com.fasterxml.jackson.databind.JsonNode;

import io.cdcpipeline.common.change.CanonicalJson;
import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;

/**
 * Which columns hold personal data and whose data it is: {@code AUDIT_PERSONAL_COLUMNS} lists the
 * columns ({@code app.users.email}), {@code AUDIT_DATA_SUBJECTS} says for each of their tables
 * which column names the data subject ({@code app.users.id=users}: a users row is the data of
 * subject {@code users:<id>}; {@code app.comments.author_id=users}: a comment's is its author's).
 *
 * @param columns  schema.table → personal columns
 * @param subjects schema.table → the rule naming a row's subject
 */
public record PersonalColumns(Map<String, Set<String>> columns, Map<String, Subject> subjects) {

    public static final Setting<String> AUDIT_PERSONAL_COLUMNS = Setting.string("AUDIT_PERSONAL_COLUMNS",
            "comma-separated schema.table.column whose values the audit log stores sealed (AES-256-GCM) with a key per data"
                    + " subject, erasable with `audit erase --subject`; each table needs a rule in AUDIT_DATA_SUBJECTS");
    public static final Setting<String> AUDIT_DATA_SUBJECTS = Setting.string("AUDIT_DATA_SUBJECTS",
            "comma-separated schema.table.column=kind: the column naming the data subject of a row of the table, e.g."
                    + " app.users.id=users,app.comments.author_id=users (subject users:<value>)");

    /** The column of a table's rows that names their subject, and the subject's kind. */
    public record Subject(String column, String kind) {
    }

    public static PersonalColumns none() {
        return new PersonalColumns(Map.of(), Map.of());
    }

    public boolean covers(String table) {
        return columns.containsKey(table);
    }

    /** The subject a row image of the table belongs to ({@code kind:value}); empty when the naming column is absent or null. */
    public Optional<String> subjectOf(String table, SortedMap<String, String> image) {
        Subject rule = subjects.get(table);
        String value = rule == null || image == null ? null : image.get(rule.column());
        if (value == null || value.equals("null")) {
            return Optional.empty();
        }
        JsonNode node = CanonicalJson.parse(value);
        return Optional.of(rule.kind() + ":" + (node.isValueNode() ? node.asText() : value));
    }

    /** Reads both settings; problems name the variable (a personal table without a subject rule is one). */
    public static PersonalColumns read(Settings s) {
        Map<String, Set<String>> columns = new HashMap<>();
        for (String entry : list(s, AUDIT_PERSONAL_COLUMNS)) {
            String[] parts = entry.split("\\.");
            if (parts.length != 3 || parts[2].isEmpty()) {
                s.problem(AUDIT_PERSONAL_COLUMNS.name() + " entry '" + entry + "' is invalid: expected schema.table.column");
                continue;
            }
            columns.computeIfAbsent(parts[0] + "." + parts[1], t -> new HashSet<>()).add(parts[2]);
        }
        Map<String, Subject> subjects = new HashMap<>();
        for (String entry : list(s, AUDIT_DATA_SUBJECTS)) {
            String[] rule = entry.split("=", -1);
            String[] parts = rule[0].split("\\.");
            if (rule.length != 2 || parts.length != 3 || !rule[1].matches("[A-Za-z0-9_.-]+")) {
                s.problem(AUDIT_DATA_SUBJECTS.name() + " entry '" + entry + "' is invalid: expected schema.table.column=kind,"
                        + " e.g. app.comments.author_id=users");
                continue;
            }
            String table = parts[0] + "." + parts[1];
            if (subjects.put(table, new Subject(parts[2], rule[1])) != null) {
                s.problem(AUDIT_DATA_SUBJECTS.name() + " names two subject columns for " + table + ": one per table");
            }
            if (columns.getOrDefault(table, Set.of()).contains(parts[2])) {
                s.problem(AUDIT_DATA_SUBJECTS.name() + ": " + rule[0] + " is also in " + AUDIT_PERSONAL_COLUMNS.name()
                        + ", but a subject's name stays readable (it names the key that erasure deletes)");
            }
        }
        for (String table : columns.keySet()) {
            if (!subjects.containsKey(table)) {
                s.problem(AUDIT_PERSONAL_COLUMNS.name() + " names columns of " + table + " but " + AUDIT_DATA_SUBJECTS.name()
                        + " has no rule for it: say which column names the person, e.g. " + table + ".id=users");
            }
        }
        return new PersonalColumns(Map.copyOf(columns), Map.copyOf(subjects));
    }

    private static String[] list(Settings s, Setting<String> setting) {
        return s.optional(setting).map(v -> v.trim().split("\\s*,\\s*")).orElse(new String[0]);
    }
}
