package io.cdcpipeline.cache;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import io.cdcpipeline.common.change.RowImage;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Which Redis keys a change to a row makes stale: per table, key templates whose {@code {column}}
 * placeholders are filled from the row's before image and from its after image, so a changed slug
 * invalidates the old and the new slug key. A template with a placeholder that is null in an image
 * yields no key for that image.
 *
 * <p>Loaded from JSON ({@code {"app.articles": ["article:{id}", "article:slug:{slug}"], ...}});
 * a rule for an unknown table or column fails with a message naming it. Immutable.
 */
public final class KeyRules {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z_][a-z0-9_]*)}");
    /** What a Redis glob pattern treats specially: wildcards, character classes, the escape itself. */
    private static final Pattern GLOB_SPECIAL = Pattern.compile("([*?\\[\\]\\\\])");
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String DEFAULT_RESOURCE = "default-cache-rules.json";

    private final Map<String, List<String>> templates;

    private KeyRules(Map<String, List<String>> templates) {
        this.templates = templates;
    }

    /** The rules in {@code file}, or the built-in defaults when empty. */
    public static KeyRules load(Optional<Path> file) {
        if (file.isPresent()) {
            try (InputStream in = Files.newInputStream(file.get())) {
                return parse(in, file.get().toString());
            } catch (IOException e) {
                throw new InvalidRulesException(file.get() + ": cannot be read: " + e.getMessage());
            }
        }
        try (InputStream in = KeyRules.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
            return parse(in, DEFAULT_RESOURCE);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyRules parse(InputStream in, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(in);
        } catch (IOException e) {
            throw new InvalidRulesException(source + ": not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRulesException(source + ": expected an object of table → list of key templates");
        }
        Map<String, List<String>> templates = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> tables = root.fields();
        while (tables.hasNext()) {
            Map.Entry<String, JsonNode> table = tables.next();
            Set<String> columns = ApplicationTables.COLUMNS.get(table.getKey());
            if (columns == null) {
                problems.add("rule for unknown table '" + table.getKey() + "' (known: " + new TreeMap<>(ApplicationTables.COLUMNS).keySet() + ")");
                continue;
            }
            if (!table.getValue().isArray()) {
                problems.add("rules of " + table.getKey() + " must be a list of key templates");
                continue;
            }
            List<String> list = new ArrayList<>();
            for (JsonNode template : table.getValue()) {
                String text = template.asText();
                Matcher m = PLACEHOLDER.matcher(text);
                boolean any = false;
                while (m.find()) {
                    any = true;
                    if (!columns.contains(m.group(1))) {
                        problems.add("rule '" + text + "' of " + table.getKey() + " uses unknown column '" + m.group(1) + "'");
                    }
                }
                if (!any && text.contains("{")) {
                    problems.add("rule '" + text + "' of " + table.getKey() + " has a malformed placeholder");
                }
                list.add(text);
            }
            templates.put(table.getKey(), List.copyOf(list));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRulesException(source + ": " + String.join("; ", problems));
        }
        return new KeyRules(Map.copyOf(templates));
    }

    public boolean covers(String table) {
        return templates.containsKey(table);
    }

    public Set<String> tables() {
        return templates.keySet();
    }

    /** The keys a change of a row of {@code table} affects (before and after images; either may be null). */
    public Set<String> keysFor(String table, RowImage before, RowImage after) {
        Set<String> keys = new LinkedHashSet<>();
        for (String template : templates.getOrDefault(table, List.of())) {
            fill(template, before).ifPresent(keys::add);
            fill(template, after).ifPresent(keys::add);
        }
        return keys;
    }

    /**
     * Redis glob patterns (SCAN MATCH syntax) of every key the rules of {@code table} can produce:
     * each template with its placeholders as {@code *} and its literal text escaped. What a change
     * that names no row (a TRUNCATE) has to invalidate. Empty for a table without rules.
     */
    public Set<String> globsFor(String table) {
        Set<String> globs = new LinkedHashSet<>();
        for (String template : templates.getOrDefault(table, List.of())) {
            Matcher m = PLACEHOLDER.matcher(template);
            StringBuilder glob = new StringBuilder();
            int literalStart = 0;
            while (m.find()) {
                glob.append(escapeGlob(template.substring(literalStart, m.start()))).append('*');
                literalStart = m.end();
            }
            glob.append(escapeGlob(template.substring(literalStart)));
            globs.add(glob.toString());
        }
        return globs;
    }

    /** {@code text} matched literally by a Redis glob pattern. */
    static String escapeGlob(String text) {
        return GLOB_SPECIAL.matcher(text).replaceAll("\\\\$1");
    }

    private static Optional<String> fill(String template, RowImage row) {
        if (row == null) {
            return Optional.empty();
        }
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder key = new StringBuilder();
        while (m.find()) {
            String value = row.value(m.group(1));
            if (value == null) {
                return Optional.empty();
            }
            m.appendReplacement(key, Matcher.quoteReplacement(value));
        }
        m.appendTail(key);
        return Optional.of(key.toString());
    }

    /** A rules file that cannot be used; the message names each bad rule. */
    public static final class InvalidRulesException extends RuntimeException {
        InvalidRulesException(String message) {
            super(message);
        }
    }
}
