package io.cdcpipeline.common.change;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChangeEventParserTest {

    private static final String UPDATE = "{\"before\":{\"id\":5,\"title\":\"Old\",\"price\":1.50},\"after\":{\"id\":5,\"title\":\"New\","
            + "\"price\":1.5},\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"blog\",\"ts_ms\":1764750000123,"
            + "\"db\":\"blog\",\"schema\":\"app\",\"table\":\"articles\",\"txId\":771,\"lsn\":24023128,\"xmin\":null},"
            + "\"transaction\":null,\"op\":\"u\",\"ts_ms\":1764750000200}";

    /** The same event as the JSON converter writes it with schemas.enable=true (schema abridged). */
    private static final String UPDATE_WITH_SCHEMA = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\","
            + "\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"}],\"optional\":true,\"field\":\"before\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"}],\"optional\":false,\"name\":\"blog.app.articles.Envelope\"},"
            + "\"payload\":" + UPDATE + "}";

    @Test
    void shouldReadAnUpdateWithAndWithoutItsEmbeddedSchemaAlike() {
        ChangeEvent bare = ChangeEventParser.parse("blog.app.articles", 2, 40, "{\"id\":5}", UPDATE);
        ChangeEvent wrapped = ChangeEventParser.parse("blog.app.articles", 2, 40,
                "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"}]},\"payload\":{\"id\":5}}",
                UPDATE_WITH_SCHEMA);

        assertThat(wrapped).isEqualTo(bare);
        assertThat(bare.qualifiedTable()).isEqualTo("app.articles");
        assertThat(bare.op()).isEqualTo("u");
        assertThat(bare.key()).isEqualTo("{\"id\":5}");
        assertThat(bare.before().canonical()).isEqualTo("{\"id\":5,\"price\":1.5,\"title\":\"Old\"}");
        assertThat(bare.after().value("title")).isEqualTo("New");
        assertThat(bare.after().value("id")).isEqualTo("5");
        assertThat(bare.lsn()).isEqualTo(24023128L);
        assertThat(bare.txId()).isEqualTo(771L);
        assertThat(bare.committedAtMs()).isEqualTo(1764750000123L);
        assertThat(bare.capturedAtMs()).isEqualTo(1764750000200L);
    }

    @Test
    void shouldReadATruncateWithoutKeyOrImages() {
        ChangeEvent t = ChangeEventParser.parse("blog.app.tags", 0, 9, null, "{\"before\":null,\"after\":null,\"source\":{\"ts_ms\":1,"
                + "\"schema\":\"app\",\"table\":\"tags\",\"txId\":3,\"lsn\":\"77\"},\"op\":\"t\",\"ts_ms\":2}");
        assertThat(t.isTruncate()).isTrue();
        assertThat(t.key()).isNull();
        assertThat(t.before()).isNull();
        assertThat(t.after()).isNull();
        assertThat(t.lsn()).as("a position spelled as a string").isEqualTo(77L);
    }

    @Test
    void shouldRefuseWhatIsNotAChangeEventNamingWhy() {
        assertThatThrownBy(() -> ChangeEventParser.parse("t", 0, 0, "{}", "not json")).isInstanceOf(MalformedChangeException.class);
        assertThatThrownBy(() -> ChangeEventParser.parse("t", 0, 0, "{}", "[1]")).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> ChangeEventParser.parse("t", 0, 0, "{}", UPDATE.replace("\"op\":\"u\"", "\"op\":\"x\"")))
                .hasMessageContaining("unknown op 'x'");
        assertThatThrownBy(() -> ChangeEventParser.parse("t", 0, 0, null, UPDATE)).hasMessageContaining("without a key");
        assertThatThrownBy(() -> ChangeEventParser.parse("t", 0, 0, "{}", UPDATE.replace("\"lsn\":24023128,", "")))
                .hasMessageContaining("missing source.lsn");
        assertThatThrownBy(() -> ChangeEventParser.parse("t", 0, 0, "{}", UPDATE.replace("\"before\":{\"id\":5,\"title\":\"Old\",\"price\":1.50}",
                "\"before\":7"))).hasMessageContaining("before is not an object");
        assertThatThrownBy(() -> ChangeEventParser.parse("t", 0, 0, "{}", null)).hasMessageContaining("tombstone");
    }

    @Test
    void shouldGiveColumnValuesAsPlainText() {
        RowImage row = RowImage.parse("{\"s\":\"a \\\"quoted\\\" word\",\"n\":null,\"d\":2.50,\"b\":true,\"o\":{\"y\":1,\"x\":2}}");
        assertThat(row.value("s")).isEqualTo("a \"quoted\" word");
        assertThat(row.value("n")).isNull();
        assertThat(row.value("missing")).isNull();
        assertThat(row.value("d")).isEqualTo("2.5");
        assertThat(row.value("b")).isEqualTo("true");
        assertThat(row.value("o")).isEqualTo("{\"x\":2,\"y\":1}");
    }
}
