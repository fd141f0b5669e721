package io.cdcpipeline.capture;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EnvelopeScannerTest {

    private static final String UPDATE = "{\"before\":{\"id\":1,\"op\":\"x\"},\"after\":{\"id\":1,\"note\":\"\\\"op\\\":\\\"d\"},"
            + "\"source\":{\"version\":\"3.6.1.Final\",\"ts_ms\":1700000000123,\"txId\":5,\"lsn\":99},"
            + "\"transaction\":null,\"op\":\"u\",\"ts_ms\":1700000000999}";

    @Test
    void shouldReadTheEnvelopesOpEvenWhenRowValuesLookLikeOne() {
        assertThat(EnvelopeScanner.op(UPDATE)).isEqualTo("u");
        assertThat(EnvelopeScanner.op("{\"status\":\"BEGIN\"}")).isEqualTo("other");
    }

    @Test
    void shouldReadTheCommitTimeFromSourceNotTheProcessingTime() {
        assertThat(EnvelopeScanner.sourceTimestamp(UPDATE)).isEqualTo(1700000000123L);
        assertThat(EnvelopeScanner.sourceTimestamp("{\"id\":\"1:2\"}")).isEqualTo(-1);
    }
}
