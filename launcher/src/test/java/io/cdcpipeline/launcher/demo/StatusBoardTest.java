package io.cdcpipeline.launcher.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class StatusBoardTest {

    /** n observations: half at or below 10 ms, 90 % at or below 25 ms, all at or below 50 ms. */
    private static LatencyBuckets lag(long n) {
        return new LatencyBuckets(new double[] {10, 25, 50}, new double[] {n * 0.5, n * 0.9, n}, n);
    }

    private static PipelineFigures figures(long n) {
        return new PipelineFigures(n, lag(n), n, lag(n), n / 2, n / 10, 4, n / 3, lag(n), 0, 2);
    }

    @Test
    void shouldDrawTheSameNumberOfLinesEachTimeSoTheBlockRedrawsInPlace() {
        StatusBoard.Application app = new StatusBoard.Application(1200, 800, 700, 0);
        List<String> first = StatusBoard.live(Duration.ofSeconds(1), app, StatusBoard.Application.ZERO, figures(1200),
                PipelineFigures.ZERO, Duration.ofSeconds(1));
        List<String> later = StatusBoard.live(Duration.ofSeconds(75), new StatusBoard.Application(9000, 5000, 4500, 3), app,
                figures(9000), figures(1200), Duration.ofSeconds(10));
        assertThat(first).hasSameSizeAs(later);
        assertThat(later.get(0)).contains("1:15");
        assertThat(later).anyMatch(l -> l.contains("audit") && l.contains("780/s") && l.contains("p50 10 ms")
                && l.contains("p99 48 ms"));
        assertThat(later).anyMatch(l -> l.contains("3 demo steps failed"));
        assertThat(first).allMatch(l -> l.length() < 130);
    }

    @Test
    void shouldSummarizeEveryFigureOfTheRun() {
        List<StatusBoard.Row> rows = StatusBoard.summary(Duration.ofSeconds(30), new StatusBoard.Application(1500, 1000, 900, 0),
                figures(1500), 9);
        assertThat(rows).extracting(StatusBoard.Row::figure).contains("changes captured to Kafka", "commit -> audit row p99",
                "reads served by Redis", "commit -> key deleted p99");
        assertThat(rows).filteredOn(r -> r.figure().equals("changes captured per second")).singleElement()
                .extracting(StatusBoard.Row::value).isEqualTo("50.0");
        assertThat(rows).filteredOn(r -> r.figure().equals("reads served by Redis")).singleElement()
                .extracting(StatusBoard.Row::value).isEqualTo("90 %");
        assertThat(StatusBoard.table(rows)).hasSameSizeAs(rows).allMatch(l -> l.startsWith("  "));
        assertThat(StatusBoard.millis(Double.NaN)).isEqualTo("    -");
        assertThat(StatusBoard.millis(12_500)).isEqualTo("13 s");
    }
}
