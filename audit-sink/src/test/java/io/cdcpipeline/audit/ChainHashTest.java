package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SortedMap;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.change.RowImage;

class ChainHashTest {

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
        assertThat(EnvelopeParser.changedColumns(members("{\"a\":1,\"b\":\"x\",\"c\":null,\"d\":1.0,\"e\":5}"),
                members("{\"a\":1,\"b\":\"y\",\"c\":2,\"d\":1.00,\"f\":null}"))).containsExactly("b", "c", "e", "f");
        assertThat(EnvelopeParser.changedColumns(null, members("{\"a\":1}"))).containsExactly("a");
    }

    private static SortedMap<String, String> members(String json) {
        return RowImage.parse(json).canonicalColumns();
    }
}
