package io.cdcpipeline.common.config;

import java.util.List;

/** Invalid configuration: every problem found, each naming its environment variable. */
public final class ConfigurationException extends RuntimeException {

    private final List<String> problems;

    public ConfigurationException(String what, List<String> problems) {
        super("invalid " + what + " configuration (" + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n  - "
                + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
