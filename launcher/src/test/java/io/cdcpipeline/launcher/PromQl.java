package io.cdcpipeline.launcher;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads. Enough PromQL for our rules and dashboard: label
 * matchers, ranges, grouping clauses and strings are removed first, then every identifier that is
 * neither a function call nor a keyword is a metric name.
 */
final class PromQl {

    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
            "group_left", "group_right", "inf", "nan");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(([^,()]*(?:\\([^)]*\\))?)\\s*,\\s*\\w+\\s*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

    private PromQl() {
    }

    static Set<String> metricNames(String expression) {
        String e = LABEL_VALUES.matcher(expression).replaceAll("$1");
        e = STRING.matcher(e).replaceAll(" ");
        e = MATCHERS.matcher(e).replaceAll(" ");
        e = RANGE.matcher(e).replaceAll(" ");
        e = GROUPING.matcher(e).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(e);
        while (m.find()) {
            String word = m.group(1);
            boolean call = m.group(2) != null;
            if (!call && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
                names.add(word);
            }
        }
        return names;
    }
}
