package io.cdcpipeline.common.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@link Setting}s from a map of environment variables and collects every problem instead
 * of failing at the first one: {@link #validate(String)} then throws one
 * {@link ConfigurationException} naming each bad variable. Secret values never appear in
 * messages.
 *
 * <p>Not thread-safe: build a configuration on one thread, then share the immutable result.
 */
public final class Settings {

    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();

    public Settings(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** The value of a variable that must be present (or have a default). */
    public <T> T required(Setting<T> setting) {
        return read(setting, true).orElse(null);
    }

    /** The value of a variable that may be absent (and has no default). */
    public <T> Optional<T> optional(Setting<T> setting) {
        return read(setting, false);
    }

    private <T> Optional<T> read(Setting<T> setting, boolean required) {
        String raw = env.get(setting.name());
        if (hasFileVariant(setting)) {
            String file = env.get(fileVariant(setting));
            if (file != null && !file.isBlank()) {
                if (raw != null && !raw.isBlank()) {
                    problem(setting.name() + " and " + fileVariant(setting) + " are both set: set one of them");
                    return Optional.empty();
                }
                try {
                    raw = stripFinalNewline(java.nio.file.Files.readString(java.nio.file.Path.of(file)));
                } catch (java.io.IOException | RuntimeException e) {
                    problem(fileVariant(setting) + "='" + file + "' is invalid: expected a readable file holding the value of "
                            + setting.name() + " (" + e.getClass().getSimpleName() + ")");
                    return Optional.empty();
                }
            }
        }
        boolean fromDefault = false;
        if (raw == null || raw.isBlank()) {
            raw = setting.defaultValue();
            fromDefault = true;
        }
        if (raw == null) {
            if (required) {
                problems.add(setting.name() + " is missing: expected " + setting.expected() + " (" + setting.description() + ")");
            }
            return Optional.empty();
        }
        String shown = setting.isSecret() ? "********" : "'" + raw + "'";
        T value;
        try {
            value = setting.parse(raw);
        } catch (RuntimeException e) {
            problems.add(setting.name() + "=" + shown + " is invalid: expected " + setting.expected()
                    + (fromDefault ? " (default)" : ""));
            return Optional.empty();
        }
        if (!setting.accepts(value)) {
            problems.add(setting.name() + "=" + shown + " is invalid: expected " + setting.expected());
            return Optional.empty();
        }
        return Optional.of(value);
    }

    /**
     * Whether {@code setting} may also be given as {@code <NAME>_FILE}, the path of a file holding
     * its value (as container platforms mount secrets): every secret that is not itself a path.
     */
    public static boolean hasFileVariant(Setting<?> setting) {
        return setting.isSecret() && !setting.name().endsWith("_FILE");
    }

    /** {@code <NAME>_FILE}. */
    public static String fileVariant(Setting<?> setting) {
        return setting.name() + "_FILE";
    }

    /** A file written by {@code echo} or an editor ends with a newline that is not part of the secret. */
    private static String stripFinalNewline(String text) {
        if (text.endsWith("\r\n")) {
            return text.substring(0, text.length() - 2);
        }
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }

    /**
     * Records a rule between several variables, e.g. "DB_MIN_CONNECTIONS (10) exceeds
     * DB_MAX_CONNECTIONS (5)". The same message is kept once (one variable can feed several pools).
     */
    public void problem(String message) {
        if (!problems.contains(message)) {
            problems.add(message);
        }
    }

    public boolean hasProblems() {
        return !problems.isEmpty();
    }

    public String raw(String name) {
        return env.get(name);
    }

    /** Throws one exception listing every problem found so far; {@code what} names the configuration. */
    public void validate(String what) {
        if (!problems.isEmpty()) {
            throw new ConfigurationException(what, problems);
        }
    }
}
