package io.cdcpipeline.capture;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TransactionBoundariesTest {

    private static final String TX = "blog.transaction";
    private final TransactionBoundaries boundaries = new TransactionBoundaries(TX);

    @Test
    void shouldCommitOnlyAfterATransactionEnds() {
        assertThat(boundaries.committableAfter("blog.app.tags", "{\"op\":\"r\"}")).as("a snapshot read, outside a transaction").isTrue();
        assertThat(boundaries.committableAfter(TX, "{\"status\":\"BEGIN\",\"id\":\"7:100\"}")).isFalse();
        assertThat(boundaries.committableAfter("blog.app.tags", "{\"op\":\"c\"}")).as("inside: a shared LSN may follow").isFalse();
        assertThat(boundaries.committableAfter("__debezium-heartbeat.blog", "{\"ts_ms\":1}")).as("a heartbeat inside").isFalse();
        assertThat(boundaries.committableAfter(TX, "{\"status\":\"END\",\"id\":\"7:100\"}")).isTrue();
        assertThat(boundaries.committableAfter("__debezium-heartbeat.blog", "{\"ts_ms\":2}")).as("a heartbeat between").isTrue();
    }

    @Test
    void shouldReadTheStatusWithEmbeddedSchemasToo() {
        String begin = "{\"schema\":{\"fields\":[{\"type\":\"string\",\"field\":\"status\"}]},\"payload\":{\"status\":\"BEGIN\"}}";
        assertThat(boundaries.committableAfter(TX, begin)).isFalse();
        assertThat(boundaries.committableAfter("blog.app.tags", "{}")).isFalse();
        assertThat(boundaries.committableAfter(TX, begin.replace("BEGIN", "END"))).isTrue();
    }
}
