package io.cdcpipeline.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The whole docker-compose.yml, as an operator runs it, through deploy/compose-test.sh: images
 * built from this build's distribution (offline if need be), every container healthy, audit rows,
 * counts and cache invalidation from changes made in PostgreSQL, every service scraped by
 * Prometheus, audit-sink scaled to 3 and back with no row lost or doubled, then torn down.
 * Its output is in target/compose-test.log.
 */
class ComposeStackIT {

    @Test
    void shouldRunTheComposeStackEndToEnd() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path log = Path.of("target", "compose-test.log").toAbsolutePath();
        Process script = new ProcessBuilder("bash", root.resolve("deploy/compose-test.sh").toString())
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = script.waitFor(15, TimeUnit.MINUTES);
        if (!ended) {
            script.destroyForcibly().waitFor();
        }
        String output = Files.readString(log);
        String tail = output.substring(Math.max(0, output.length() - 6000));
        assertThat(ended).as("deploy/compose-test.sh ended within 15 minutes; its output ends with:\n" + tail).isTrue();
        assertThat(script.exitValue()).as("deploy/compose-test.sh failed; its output ends with:\n" + tail).isZero();
        assertThat(output).contains("ok: audit rows: inserts = 22", "ok: article:4 invalidated",
                "ok: every service's /metrics scraped", "no row lost or doubled", "compose test passed");
    }
}
