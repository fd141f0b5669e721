package io.cdcpipeline.testkit.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.api.Test;

class RowImagesTest {

    @Test
    void shouldSpellBothSidesOfTheSameRowAlike() {
        String oracle = "{\"id\": 5, \"at\": \"2026-12-03T09:01:02.5+00:00\", \"prefs\": {\"b\": [1, 2], \"a\": \"x\"},"
                + " \"ip\": \"10.1.2.3\", \"secret\": \"s\"}";
        String audit = "{\"prefs\":\"{\\\"a\\\": \\\"x\\\", \\\"b\\\": [1, 2]}\",\"ip\":\"10.1.2.3\",\"id\":5.0,"
                + "\"at\":\"2026-12-03T09:01:02.500000Z\"}";

        assertThat(RowImages.image(RowImages.parse(oracle), Set.of("secret")))
                .isEqualTo(RowImages.image(RowImages.parse(audit), Set.of()));
    }

    @Test
    void shouldTellDifferentValuesApart() {
        assertThat(RowImages.image(RowImages.parse("{\"body\":\"a\"}"), Set.of()))
                .as("a placeholder or a changed value is a difference")
                .isNotEqualTo(RowImages.image(RowImages.parse("{\"body\":\"__debezium_unavailable_value\"}"), Set.of()));
        assertThat(RowImages.image(RowImages.parse("{\"at\":\"2026-12-03T09:01:02Z\"}"), Set.of()))
                .isNotEqualTo(RowImages.image(RowImages.parse("{\"at\":\"2026-12-03T09:01:03Z\"}"), Set.of()));
        assertThat(RowImages.image(RowImages.parse("{\"a\":1}"), Set.of()))
                .as("a missing column").isNotEqualTo(RowImages.image(RowImages.parse("{\"a\":1,\"b\":null}"), Set.of()));
    }
}
