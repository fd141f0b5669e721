package io.cdcpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class ConfigurationReferenceTest {

    @Test
    void shouldKeepTheReferencePageInStepWithTheDeclarations() throws Exception {
        Path page = Path.of("..", "docs", "configuration.md");
        String text = Files.readString(page, StandardCharsets.UTF_8);

        assertThat(ConfigurationReference.updated(text))
                .as("docs/configuration.md is stale: run ./cdc-pipeline reference --update docs/configuration.md")
                .isEqualTo(text);
    }

    @Test
    void shouldListTheSeedVariablesWithTheirDefaults() {
        assertThat(ConfigurationReference.markdown())
                .contains("| `DB_MAX_CONNECTIONS` | `20` |", "| `DB_MIN_CONNECTIONS` | `5` |", "| `DB_IDLE_TIMEOUT` | `30000` |",
                        "| `DB_CONNECTION_TIMEOUT` | `2000` |", "| `DB_ACQUIRE_TIMEOUT` | `30000` |", "| `DB_RETRY_ATTEMPTS` | `3` |",
                        "| `DB_RETRY_DELAY` | `1000` |", "| `DB_SSL_MODE` | `verify-full` |")
                .contains("`DB_PASSWORD` |", "(secret: never logged)");
    }
}
