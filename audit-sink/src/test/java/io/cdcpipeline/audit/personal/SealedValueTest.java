package io.cdcpipeline.audit.personal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.GeneralSecurityException;

import javax.crypto.SecretKey;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.change.CanonicalJson;

class SealedValueTest {

    private final SecretKey key = SealedValue.newKey();

    @Test
    void shouldOpenWhatItSealedAndHideTheValue() throws Exception {
        String sealed = SealedValue.seal(key, "users:42", "app.users.email", "\"ada@example.org\"");

        assertThat(sealed).doesNotContain("ada").startsWith("{\"sealed\":\"").endsWith(",\"subject\":\"users:42\"}");
        assertThat(CanonicalJson.ofText(sealed)).as("stored as canonical JSON, as the chain hashes it").isEqualTo(sealed);
        SealedValue.Parts parts = SealedValue.parse(CanonicalJson.parse(sealed)).orElseThrow();
        assertThat(parts.subject()).isEqualTo("users:42");
        assertThat(SealedValue.open(key, parts, "app.users.email")).isEqualTo("\"ada@example.org\"");
        assertThat(SealedValue.seal(key, "users:42", "app.users.email", "\"ada@example.org\"")).as("a random nonce each time")
                .isNotEqualTo(sealed);
    }

    @Test
    void shouldNotOpenWithAnotherKeyColumnOrSubjectNorWhenAltered() {
        String sealed = SealedValue.seal(key, "users:42", "app.users.email", "\"ada@example.org\"");
        SealedValue.Parts parts = SealedValue.parse(CanonicalJson.parse(sealed)).orElseThrow();

        assertThatThrownBy(() -> SealedValue.open(SealedValue.newKey(), parts, "app.users.email"))
                .isInstanceOf(GeneralSecurityException.class);
        assertThatThrownBy(() -> SealedValue.open(key, parts, "app.users.display_name")).isInstanceOf(GeneralSecurityException.class);
        assertThatThrownBy(() -> SealedValue.open(key, new SealedValue.Parts("users:43", parts.sealed()), "app.users.email"))
                .isInstanceOf(GeneralSecurityException.class);
        byte[] altered = parts.sealed().clone();
        altered[altered.length - 20] ^= 1;
        assertThatThrownBy(() -> SealedValue.open(key, new SealedValue.Parts("users:42", altered), "app.users.email"))
                .isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void shouldTakeOnlyTheSealedFormForASealedValue() {
        assertThat(SealedValue.parse(CanonicalJson.parse("\"text\""))).isEmpty();
        assertThat(SealedValue.parse(CanonicalJson.parse("{\"sealed\":\"AAAA\"}"))).isEmpty();
        assertThat(SealedValue.parse(CanonicalJson.parse("{\"sealed\":\"AAAA\",\"subject\":\"u:1\",\"x\":1}"))).isEmpty();
        assertThat(SealedValue.parse(CanonicalJson.parse("{\"sealed\":1,\"subject\":\"u:1\"}"))).isEmpty();
    }
}
