package io.cdcpipeline.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code <NAME>_FILE}: a secret read from a mounted file, as container platforms provide them. */
class SecretFilesTest {

    private static final Setting<String> PASSWORD = Setting.string("SOME_PASSWORD", "a password").secret();
    private static final Setting<String> PLAIN = Setting.string("SOME_NAME", "not a secret");

    @Test
    void shouldReadASecretFromItsFileWithoutTheFinalNewline(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("password"), "s3cr3t value\n");
        Settings s = new Settings(Map.of("SOME_PASSWORD_FILE", file.toString()));

        assertThat(s.required(PASSWORD)).isEqualTo("s3cr3t value");
        s.validate("test");
    }

    @Test
    void shouldRefuseBothTheVariableAndItsFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("password"), "from-file");
        Settings s = new Settings(Map.of("SOME_PASSWORD", "from-env", "SOME_PASSWORD_FILE", file.toString()));
        s.required(PASSWORD);

        assertThatThrownBy(() -> s.validate("test")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("SOME_PASSWORD and SOME_PASSWORD_FILE are both set")
                .hasMessageNotContaining("from-env").hasMessageNotContaining("from-file");
    }

    @Test
    void shouldNameTheFileVariableWhenTheFileCannotBeRead(@TempDir Path dir) {
        Settings s = new Settings(Map.of("SOME_PASSWORD_FILE", dir.resolve("missing").toString()));
        s.required(PASSWORD);

        assertThatThrownBy(() -> s.validate("test")).hasMessageContaining("SOME_PASSWORD_FILE=").hasMessageContaining("readable file");
    }

    @Test
    void shouldOfferFileVariantsForSecretsOnly() {
        assertThat(Settings.hasFileVariant(PASSWORD)).isTrue();
        assertThat(Settings.hasFileVariant(PLAIN)).isFalse();
        assertThat(new Settings(Map.of("SOME_NAME_FILE", "/nonexistent")).optional(PLAIN)).isEmpty();
    }
}
