package io.cdcpipeline.schema;

import java.util.Iterator;
import java.util.List;

import picocli.CommandLine;

/**
 * The changelog's tags, in the order they are applied, read from the changelog itself: the help
 * of {@code schema migrate --to} and {@code schema rollback --to} lists them
 * ({@code ${COMPLETION-CANDIDATES}}) and both refuse any other, so a new tag needs no second list
 * to keep. Read when first needed (a help text, a {@code --to}), then kept.
 */
final class ChangelogTags implements Iterable<String> {

    /** The tag {@code rollback --to} returns to for "undo everything"; nothing to migrate to. */
    static final String EMPTY = "empty";

    private static volatile List<String> tags;

    static List<String> all() {
        List<String> read = tags;
        if (read == null) {
            try {
                read = List.copyOf(LiquibaseRunner.tags());
            } catch (Exception e) {
                throw new IllegalStateException("cannot read the tags of " + LiquibaseRunner.CHANGELOG, e);
            }
            tags = read;
        }
        return read;
    }

    /** The tags {@code schema migrate --to} can stop after: all but {@link #EMPTY}. */
    static List<String> migrationTargets() {
        return all().stream().filter(tag -> !tag.equals(EMPTY)).toList();
    }

    /** A usage error (exit 2, before anything connects) when {@code tag} is not one of {@code known}. */
    static void requireKnown(String tag, List<String> known, CommandLine.Model.CommandSpec spec) {
        if (!known.contains(tag)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "unknown tag '" + tag + "' for --to; the changelog's tags: " + String.join(", ", known));
        }
    }

    @Override
    public Iterator<String> iterator() {
        return forHelp(ChangelogTags::all);
    }

    /** For the help of {@code migrate --to}. */
    static final class MigrationTags implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return forHelp(ChangelogTags::migrationTargets);
        }
    }

    /** A help text must render even if the changelog cannot be read: it says so instead of failing. */
    private static Iterator<String> forHelp(java.util.function.Supplier<List<String>> tags) {
        try {
            return tags.get().iterator();
        } catch (IllegalStateException e) {
            return List.of("the changelog's tags could not be read: " + e.getCause()).iterator();
        }
    }
}
