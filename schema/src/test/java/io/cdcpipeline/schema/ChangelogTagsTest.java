package io.cdcpipeline.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/**
 * The tags {@code --to} accepts come from the changelog alone: its help lists what the changelog
 * holds, any other tag is a usage error before anything connects, and docs/database.md lists the
 * same (a new tag the docs miss fails here). No server.
 */
class ChangelogTagsTest {

    /** empty, app and v1 to v13 when this test was written; a changelog only gains tags. */
    private static final int TAGS_AT_LEAST = 15;

    @Test
    void shouldReadTheTagsInTheOrderTheChangelogAppliesThem() {
        List<String> tags = ChangelogTags.all();

        assertThat(tags).as("empty, app, then v1, v2, ...").startsWith("empty", "app").hasSizeGreaterThanOrEqualTo(TAGS_AT_LEAST);
        assertThat(tags.subList(2, tags.size())).as("v1 to vN with no gap")
                .isEqualTo(IntStream.rangeClosed(1, tags.size() - 2).mapToObj(i -> "v" + i).toList());
        assertThat(new ChangelogTags.MigrationTags()).as("nothing to migrate to at 'empty'")
                .containsExactlyElementsOf(tags.subList(1, tags.size()));
    }

    @Test
    void shouldListTheChangelogsTagsInTheHelpOfRollbackAndMigrate() {
        List<String> tags = ChangelogTags.all();

        assertThat(help("rollback")).as("rollback --help").contains("tag to return to (" + String.join(", ", tags) + ")");
        assertThat(help("migrate")).as("migrate --help")
                .contains("stop after this tag (tags: " + String.join(", ", tags.subList(1, tags.size())) + ")");
    }

    @Test
    void shouldRefuseAnUnknownTagAsAUsageErrorBeforeReadingAnySetting() {
        // No DB_* variable at all: a known tag gets as far as the settings, an unknown one not.
        Result unknown = run("rollback", "--to", "v1.5");
        assertThat(unknown.code()).isEqualTo(SchemaCli.USAGE);
        assertThat(unknown.err()).contains("unknown tag 'v1.5' for --to; the changelog's tags: " + String.join(", ", ChangelogTags.all()));

        Result empty = run("migrate", "--to", "empty");
        assertThat(empty.code()).as("'empty' is only a rollback target").isEqualTo(SchemaCli.USAGE);
        assertThat(empty.err()).contains("unknown tag 'empty' for --to");

        Result known = run("migrate", "--to", "v1", "--dry-run");
        assertThat(known.code()).isEqualTo(SchemaCli.USAGE);
        assertThat(known.err()).as("a known tag passes; then the missing settings stop it").contains("DB_HOST is missing")
                .doesNotContain("unknown tag");
    }

    @Test
    void shouldListTheSameTagsInTheDatabaseGuide() throws Exception {
        Path guide = Path.of("..", "docs", "database.md");
        String marker = "# tags: ";
        String line = Files.readAllLines(guide).stream().filter(l -> l.startsWith("./cdc-pipeline schema rollback --to TAG"))
                .findFirst().orElseThrow(() -> new AssertionError(guide + " shows no 'schema rollback --to TAG' line"));

        assertThat(line).as("the rollback line of %s", guide).contains(marker);
        assertThat(line.substring(line.indexOf(marker) + marker.length()).split(", "))
                .as("the tags in %s", guide).containsExactlyElementsOf(ChangelogTags.all());
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SchemaCli.run(Map.of(), new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    private static String help(String command) {
        StringWriter out = new StringWriter();
        // Wide enough that picocli does not wrap the list.
        SchemaCli.commandLine(Map.of(), new PrintWriter(out, true), new PrintWriter(new StringWriter(), true))
                .getSubcommands().get(command).setUsageHelpWidth(400).usage(new PrintWriter(out, true));
        return out.toString();
    }
}
