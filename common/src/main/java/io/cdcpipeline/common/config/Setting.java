package io.cdcpipeline.common.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One environment variable: its name, type, default, documentation and checks, declared once.
 * The configuration reference (docs/configuration.md) is generated from these declarations
 * ({@link SettingsReference}).
 *
 * <p>Immutable; the {@code with*} methods return copies.
 *
 * @param <T> the parsed type
 */
public final class Setting<T> {

    private final String name;
    private final String description;
    private final String defaultValue;
    private final boolean secret;
    private final String expected;
    private final Function<String, T> parser;
    private final Predicate<T> check;
    private final String checkExpected;

    private Setting(String name, String description, String defaultValue, boolean secret, String expected,
                    Function<String, T> parser, Predicate<T> check, String checkExpected) {
        this.name = Objects.requireNonNull(name);
        this.description = Objects.requireNonNull(description);
        this.defaultValue = defaultValue;
        this.secret = secret;
        this.expected = expected;
        this.parser = parser;
        this.check = check;
        this.checkExpected = checkExpected;
    }

    public static Setting<String> string(String name, String description) {
        return new Setting<>(name, description, null, false, "a string", s -> s, s -> !s.isBlank(), "a non-empty string");
    }

    public static Setting<Integer> integer(String name, String description) {
        return new Setting<>(name, description, null, false, "an integer", Integer::valueOf, v -> true, null);
    }

    public static Setting<Long> longInteger(String name, String description) {
        return new Setting<>(name, description, null, false, "an integer", Long::valueOf, v -> true, null);
    }

    public static Setting<Boolean> bool(String name, String description) {
        return new Setting<>(name, description, null, false, "true or false", Setting::parseBoolean, v -> true, null);
    }

    /** Milliseconds, as the seed's variables are (e.g. {@code DB_IDLE_TIMEOUT=30000}). */
    public static Setting<Duration> millis(String name, String description) {
        return new Setting<>(name, description, null, false, "a number of milliseconds",
                s -> Duration.ofMillis(Long.parseLong(s)), d -> !d.isNegative(), "a number of milliseconds >= 0");
    }

    /** A file that must exist and be readable when the setting is given. */
    public static Setting<Path> readableFile(String name, String description) {
        return new Setting<>(name, description, null, false, "a file path", Path::of,
                p -> Files.isRegularFile(p) && Files.isReadable(p), "a readable file");
    }

    /** One of the constants of {@code type}, matched case-insensitively, written with '-' or '_'. */
    public static <E extends Enum<E>> Setting<E> oneOf(String name, Class<E> type, String description) {
        String choices = String.join(" | ", Arrays.stream(type.getEnumConstants()).map(Setting::display).toList());
        return new Setting<>(name, description, null, false, choices,
                s -> Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT).replace('-', '_')), v -> true, null);
    }

    /** The display form of an enum constant: lower case with '-' ({@code VERIFY_FULL} → {@code verify-full}). */
    public static String display(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static Boolean parseBoolean(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> Boolean.TRUE;
            case "false", "no", "0", "off" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException(s);
        };
    }

    /** The same variable, parsed further by {@code mapper} (e.g. text to a path). */
    public <R> Setting<R> map(Function<T, R> mapper) {
        Function<String, R> mapped = parser.andThen(mapper);
        return new Setting<>(name, description, defaultValue, secret, expected, mapped, v -> true, checkExpected);
    }

    /** The value used when the variable is unset or empty (as text, as a user would write it). */
    public Setting<T> withDefault(String value) {
        return new Setting<>(name, description, value, secret, expected, parser, check, checkExpected);
    }

    /** A value whose text must never be logged or shown in an error (passwords, tokens). */
    public Setting<T> secret() {
        return new Setting<>(name, description, defaultValue, true, expected, parser, check, checkExpected);
    }

    /** An extra condition on the parsed value; {@code expectation} completes "expected ...". */
    public Setting<T> requiring(Predicate<T> condition, String expectation) {
        return new Setting<>(name, description, defaultValue, secret, expected, parser, check.and(condition), expectation);
    }

    public Setting<T> between(T min, T max) {
        @SuppressWarnings("unchecked")
        Predicate<T> inRange = v -> ((Comparable<T>) v).compareTo(min) >= 0 && ((Comparable<T>) v).compareTo(max) <= 0;
        return requiring(inRange, expected + " from " + min + " to " + max);
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    /** The default as text, or null when the variable is required or optional without default. */
    public String defaultValue() {
        return defaultValue;
    }

    public boolean isSecret() {
        return secret;
    }

    /** What a valid value looks like, for error messages and the reference. */
    public String expected() {
        return checkExpected != null ? checkExpected : expected;
    }

    T parse(String text) {
        return parser.apply(text.trim());
    }

    boolean accepts(T value) {
        return check.test(value);
    }

    @Override
    public String toString() {
        return name;
    }
}
