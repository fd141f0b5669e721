package io.cdcpipeline.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The tags {@code --to} accepts come from the changelog alone: its help lists what the changelog
 * holds, and docs/database.md lists the same (a new tag the docs miss fails here). No server.
 */
class ChangelogTagsTest {

    @Test
    void shouldReadTheTagsInTheOrderTheChangelogAppliesThem() {
        List<String> tags = ChangelogTags.all();

        assertThat(tags).as("empty, app, then v1, v2, ... with no gap").startsWith("empty", "app").hasSizeGreaterThan(14);
        assertThat(tags.subList(2, tags.size())).isEqualTo(IntStream.rangeClosed(1, tags.size() - 2).mapToObj(i -> "v" + i).toList());
        assertThat(new ChangelogTags.MigrationTags()).as("nothing to migrate to at 'empty'")
                .containsExactlyElementsOf(tags.subList(1, tags.size()));
    }

    @Test
    void shouldListTheChangelogsTagsInTheHelpOfRollbackAndMigrate() {
        List<String> tags = ChangelogTags.all();

        assertThat(help("rollback")).contains("tag to return to (" + String.join(", ", tags) + ")");
        assertThat(help("migrate")).contains("stop after this tag (tags: " + String.join(", ", tags.subList(1, tags.size())) + ")");
    }

    @Test
    void shouldListTheSameTagsInTheDatabaseGuide() throws Exception {
        Path guide = Path.of("..", "docs", "database.md");
        String line = lines(guide).filter(l -> l.startsWith("./cdc-pipeline schema rollback --to TAG")).findFirst().orElseThrow();

        assertThat(line.substring(line.indexOf("# tags: ") + "# tags: ".length()).split(", "))
                .as("the tags in %s", guide).containsExactlyElementsOf(ChangelogTags.all());
    }

    private static String help(String command) {
        StringWriter out = new StringWriter();
        // Wide enough that picocli does not wrap the list.
        SchemaCli.commandLine(Map.of(), new PrintWriter(out, true), new PrintWriter(new StringWriter(), true))
                .getSubcommands().get(command).setUsageHelpWidth(400).usage(new PrintWriter(out, true));
        return out.toString();
    }

    private static Stream<String> lines(Path file) throws Exception {
        return Files.readAllLines(file).stream();
    }
}
