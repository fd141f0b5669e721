package io.cdcpipeline.common.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration reference, generated from the {@link Setting} declarations so it is never
 * written twice: a Markdown table per group of variables.
 */
public final class SettingsReference {

    private final Map<String, List<Setting<?>>> groups = new LinkedHashMap<>();

    public SettingsReference group(String title, List<Setting<?>> settings) {
        groups.merge(title, settings, (a, b) -> {
            List<Setting<?>> merged = new java.util.ArrayList<>(a);
            b.stream().filter(s -> a.stream().noneMatch(x -> x.name().equals(s.name()))).forEach(merged::add);
            return merged;
        });
        return this;
    }

    public String markdown() {
        StringBuilder out = new StringBuilder();
        groups.forEach((title, settings) -> {
            out.append("#### ").append(title).append("\n\n");
            out.append("| variable | default | expects | meaning |\n|---|---|---|---|\n");
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (Setting<?> s : settings) {
                if (!seen.add(s.name())) {
                    continue;
                }
                String def = s.defaultValue() == null ? "" : "`" + s.defaultValue() + "`";
                out.append("| `").append(s.name()).append("` | ").append(def).append(" | ").append(escape(s.expected()))
                        .append(" | ").append(escape(s.description())).append(s.isSecret() ? " (secret: never logged" + (Settings.hasFileVariant(s)
                                ? "; or `" + Settings.fileVariant(s) + "`, a file holding it)" : ")") : "")
                        .append(" |\n");
            }
            out.append('\n');
        });
        return out.toString();
    }

    private static String escape(String text) {
        return text.replace("|", "\\|");
    }
}
