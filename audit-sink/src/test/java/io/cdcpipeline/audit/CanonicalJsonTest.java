package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CanonicalJsonTest {

    @Test
    void shouldSpellEquivalentJsonTheSameWayAsJsonbWouldReturnIt() {
        String fromDebezium = "{\"name\":\"é\\\"x\",\"id\":1,\"price\":\"12.50\",\"ratio\":2.50,\"tags\":[3,1],\"n\":null}";
        String fromJsonb = "{\"n\": null, \"id\": 1, \"name\": \"\\u00e9\\\"x\", \"tags\": [3, 1], \"price\": \"12.50\", \"ratio\": 2.5}";

        assertThat(CanonicalJson.of(CanonicalJson.parse(fromDebezium))).isEqualTo(CanonicalJson.of(CanonicalJson.parse(fromJsonb)))
                .isEqualTo("{\"id\":1,\"n\":null,\"name\":\"é\\\"x\",\"price\":\"12.50\",\"ratio\":2.5,\"tags\":[3,1]}");
        assertThat(CanonicalJson.of(null)).isEqualTo("null");
        assertThat(CanonicalJson.of(CanonicalJson.parse("1e3"))).isEqualTo("1000");
        assertThat(CanonicalJson.of(CanonicalJson.parse("[-7,0,100,12345678901234567890123,1.50,-0.0]")))
                .isEqualTo("[-7,0,100,12345678901234567890123,1.5,0]");
    }

    @Test
    void shouldChainHashesSoThatAnyChangeShowsDownstream() {
        byte[] first = ChainHash.of(ChainHash.GENESIS, "row-1");
        byte[] second = ChainHash.of(first, "row-2");
        assertThat(ChainHash.of(ChainHash.GENESIS, "row-1")).isEqualTo(first);
        assertThat(ChainHash.of(ChainHash.of(ChainHash.GENESIS, "row-1 changed"), "row-2")).isNotEqualTo(second);
        assertThat(ChainHash.hex(first)).hasSize(64);
    }

    @Test
    void shouldListOnlyTheColumnsWhoseValuesDiffer() {
        assertThat(EnvelopeParser.changedColumns(CanonicalJson.parse("{\"a\":1,\"b\":\"x\",\"c\":null,\"d\":1.0}"),
                CanonicalJson.parse("{\"a\":1,\"b\":\"y\",\"c\":2,\"d\":1.00}"))).containsExactly("b", "c");
    }
}
