package io.cdcpipeline.schema;

import java.util.Iterator;
import java.util.List;

/**
 * The changelog's tags, in the order they are applied, read from the changelog itself: what
 * {@code schema rollback --to} accepts and its help lists ({@code ${COMPLETION-CANDIDATES}}), so
 * a new tag needs no second list to keep. Read only when picocli renders the help.
 */
final class ChangelogTags implements Iterable<String> {

    /** The tag {@code rollback --to} returns to for "undo everything"; nothing to migrate to. */
    static final String EMPTY = "empty";

    static List<String> all() {
        try {
            return LiquibaseRunner.tags();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the tags of " + LiquibaseRunner.CHANGELOG, e);
        }
    }

    @Override
    public Iterator<String> iterator() {
        return all().iterator();
    }

    /** The tags {@code schema migrate --to} can stop after: all but {@link #EMPTY}. */
    static final class MigrationTags implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return all().stream().filter(tag -> !tag.equals(EMPTY)).iterator();
        }
    }
}
