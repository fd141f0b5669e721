package io.cdcpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The README and the pages under {@code docs/}: every relative link points to a file of the
 * repository and, with a {@code #fragment}, to a heading of that file (GitHub's anchors); every
 * page is reachable from the README; the README stays short.
 */
class DocsLinksTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("deploy/README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    @Test
    void shouldHaveNoBrokenLink() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages()) {
            for (String target : links(page)) {
                if (target.matches("^[a-z]+:.*")) {
                    continue; // http(s), mailto: not this repository's
                }
                checked++;
                String path = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                String fragment = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
                Path file = path.isEmpty() ? page : page.getParent().resolve(path).normalize();
                if (!file.startsWith(ROOT) || !Files.exists(file)) {
                    broken.add(ROOT.relativize(page) + ": " + target + " (no such file)");
                } else if (fragment != null && !anchors(file).contains(fragment)) {
                    broken.add(ROOT.relativize(page) + ": " + target + " (no such heading in " + ROOT.relativize(file) + ")");
                }
            }
        }
        assertThat(checked).as("links checked").isGreaterThan(20);
        assertThat(broken).as("broken links").isEmpty();
    }

    @Test
    void shouldReachEveryDocsPageFromTheReadmeAndKeepTheReadmeShort() throws IOException {
        Set<Path> linked = new HashSet<>();
        Path readme = ROOT.resolve("README.md");
        for (String target : links(readme)) {
            linked.add(readme.getParent().resolve(target.replaceAll("#.*", "")).normalize());
        }
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            assertThat(docs.filter(p -> p.toString().endsWith(".md"))).as("docs pages the README links to").allMatch(linked::contains);
        }
        assertThat(Files.readAllLines(readme)).as("the README fits on a few screens; details go under docs/").hasSizeLessThan(200);
    }

    @Test
    void shouldComputeGitHubAnchors() {
        assertThat(anchor("`CAPTURE_JSON_SCHEMAS`: embedded schemas")).isEqualTo("capture_json_schemas-embedded-schemas");
        assertThat(anchor("Alerts: what they mean, what to do")).isEqualTo("alerts-what-they-mean-what-to-do");
        assertThat(anchor("Cache (`cache-invalidator` and `LeasedCache`)")).isEqualTo("cache-cache-invalidator-and-leasedcache");
    }

    /** Links outside fenced code blocks. */
    private static List<String> links(Path page) {
        List<String> targets = new ArrayList<>();
        boolean code = false;
        for (String line : read(page)) {
            if (line.trim().startsWith("```")) {
                code = !code;
            } else if (!code) {
                Matcher m = LINK.matcher(line);
                while (m.find()) {
                    targets.add(m.group(1));
                }
            }
        }
        return targets;
    }

    private static Set<String> anchors(Path page) {
        Set<String> anchors = new HashSet<>();
        boolean code = false;
        for (String line : read(page)) {
            if (line.trim().startsWith("```")) {
                code = !code;
            } else if (!code && line.matches("^#{1,6} .*")) {
                anchors.add(anchor(line.replaceFirst("^#+ ", "")));
            }
        }
        return anchors;
    }

    /** GitHub's anchor of a heading: lower case, punctuation dropped but hyphens and underscores, spaces as hyphens. */
    static String anchor(String heading) {
        return heading.trim().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }

    private static List<String> read(Path page) {
        try {
            return Files.readAllLines(page, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
