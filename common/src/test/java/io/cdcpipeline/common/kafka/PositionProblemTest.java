package io.cdcpipeline.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PositionProblemTest {

    @Test
    void shouldAcceptAStoredPositionWithinTheLog() {
        assertThat(ConsumerLoop.positionProblem(0, 0L, 0L)).isNull();
        assertThat(ConsumerLoop.positionProblem(5, 3L, 10L)).isNull();
        assertThat(ConsumerLoop.positionProblem(10, 3L, 10L)).as("at the end: nothing new yet").isNull();
    }

    @Test
    void shouldRefuseAPositionThatWouldSkipOrRereadSilently() {
        assertThat(ConsumerLoop.positionProblem(11, 0L, 10L)).as("recreated topic").isEqualTo("ahead of the log end");
        assertThat(ConsumerLoop.positionProblem(2, 3L, 10L)).as("retention deleted records").isEqualTo("behind the log start");
    }
}
