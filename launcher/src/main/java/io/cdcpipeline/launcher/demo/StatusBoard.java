package io.cdcpipeline.launcher.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The demo's text: the live status block (one line per service, redrawn in place on a terminal)
 * and the summary table at the end. Pure formatting of {@link PipelineFigures}, so it is tested
 * without servers.
 */
final class StatusBoard {

    /** What the application itself saw: changes it committed, reads and how many Redis served. */
    record Application(long changes, long reads, long cacheHits, long failures) {
        static final Application ZERO = new Application(0, 0, 0, 0);

        double hitRatio() {
            return reads == 0 ? Double.NaN : (double) cacheHits / reads;
        }
    }

    private StatusBoard() {
    }

    /**
     * The live block: totals since the start, and rates and quantiles over the window from
     * {@code before} to {@code now} ({@code window} long; at first, from the start).
     */
    static List<String> live(Duration elapsed, Application app, Application appBefore, PipelineFigures now, PipelineFigures before,
            Duration window) {
        double seconds = Math.max(0.001, window.toMillis() / 1000.0);
        LatencyBuckets audit = now.auditLag().minus(before.auditLag());
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "cdc-pipeline demo  %s   (Ctrl-C: summary, then everything stops and is removed)",
                clock(elapsed)));
        lines.add(line("application", app.changes(), "row changes committed", rate(app.changes() - appBefore.changes(), seconds),
                String.format(Locale.ROOT, "%,d article reads, %s from Redis", app.reads(), percent(app.hitRatio()))));
        lines.add(line("capture", now.captured(), "changes to Kafka", rate(now.captured() - before.captured(), seconds),
                "commit->Kafka        p99 " + millis(now.captureLag().minus(before.captureLag()).quantileMillis(0.99))));
        lines.add(line("audit", now.auditRows(), "audit rows", rate(now.auditRows() - before.auditRows(), seconds),
                "commit->audit row    p50 " + millis(audit.quantileMillis(0.5)) + "  p99 " + millis(audit.quantileMillis(0.99))));
        lines.add(line("analytics", now.analyticsEvents(), "changes counted", rate(now.analyticsEvents() - before.analyticsEvents(),
                seconds), String.format(Locale.ROOT, "%,d daily-stats rows written, view %s behind", now.analyticsRows(),
                age(now.viewAgeSeconds()))));
        lines.add(line("cache", now.invalidations(), "keys invalidated", rate(now.invalidations() - before.invalidations(), seconds),
                "commit->key deleted  p99 " + millis(now.invalidationLag().minus(before.invalidationLag()).quantileMillis(0.99))));
        lines.add(line("health", now.deadLetters(), "dead letters", "", String.format(Locale.ROOT, "%,d records of consumer lag%s",
                now.consumerLag(), app.failures() == 0 ? ""
                        : String.format(Locale.ROOT, ", %,d demo steps failed (see the log)", app.failures()))));
        return lines;
    }

    private static String line(String service, long count, String what, String rate, String detail) {
        return String.format(Locale.ROOT, "  %-11s %,9d %-22s %8s   %s", service, count, what, rate, detail);
    }

    /** One row of the summary table. */
    record Row(String figure, String value) {
    }

    /** The figures of the whole run: every one of them is non-zero when the pipeline worked. */
    static List<Row> summary(Duration elapsed, Application app, PipelineFigures end, long viewAgeMaxSeconds) {
        double seconds = Math.max(0.001, elapsed.toMillis() / 1000.0);
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("row changes committed by the demo", String.format(Locale.ROOT, "%,d", app.changes())));
        rows.add(new Row("changes captured to Kafka", String.format(Locale.ROOT, "%,d", end.captured())));
        rows.add(new Row("changes captured per second", String.format(Locale.ROOT, "%,.1f", end.captured() / seconds)));
        rows.add(new Row("commit -> Kafka p99", millis(end.captureLag().quantileMillis(0.99))));
        rows.add(new Row("audit rows written", String.format(Locale.ROOT, "%,d", end.auditRows())));
        rows.add(new Row("commit -> audit row p50", millis(end.auditLag().quantileMillis(0.5))));
        rows.add(new Row("commit -> audit row p99", millis(end.auditLag().quantileMillis(0.99))));
        rows.add(new Row("changes counted by analytics", String.format(Locale.ROOT, "%,d", end.analyticsEvents())));
        rows.add(new Row("daily-stats rows written", String.format(Locale.ROOT, "%,d", end.analyticsRows())));
        rows.add(new Row("materialized view, most behind", viewAgeMaxSeconds + " s"));
        rows.add(new Row("article reads", String.format(Locale.ROOT, "%,d", app.reads())));
        rows.add(new Row("reads served by Redis", percent(app.hitRatio())));
        rows.add(new Row("cache keys invalidated", String.format(Locale.ROOT, "%,d", end.invalidations())));
        rows.add(new Row("commit -> key deleted p99", millis(end.invalidationLag().quantileMillis(0.99))));
        return rows;
    }

    static List<String> table(List<Row> rows) {
        int width = rows.stream().mapToInt(r -> r.figure().length()).max().orElse(0);
        List<String> lines = new ArrayList<>();
        for (Row r : rows) {
            lines.add(String.format(Locale.ROOT, "  %-" + width + "s  %12s", r.figure(), r.value()));
        }
        return lines;
    }

    static String clock(Duration d) {
        long s = d.toSeconds();
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private static String rate(long delta, double seconds) {
        return String.format(Locale.ROOT, "%,6.0f/s", delta / seconds);
    }

    static String millis(double ms) {
        if (Double.isNaN(ms)) {
            return "    -";
        }
        return ms >= 10_000 ? String.format(Locale.ROOT, "%,.0f s", ms / 1000) : String.format(Locale.ROOT, "%,.0f ms", Math.max(1, ms));
    }

    static String percent(double ratio) {
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.0f %%", 100 * ratio);
    }

    private static String age(double seconds) {
        return String.format(Locale.ROOT, "%.0f s", seconds);
    }
}
