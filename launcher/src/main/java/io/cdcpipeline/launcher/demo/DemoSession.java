package io.cdcpipeline.launcher.demo;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.service.DaemonThreads;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code cdc-pipeline demo}: runs the {@link DemoWorkload} against the local pipeline, draws the
 * live status block from the services' meters, and at the end waits for the pipeline to catch up,
 * prints the summary and checks the audit log against two counts it does not write itself: the
 * rows the application committed, and PostgreSQL's own statistics of the application tables.
 */
public final class DemoSession {

    private static final Logger LOG = LoggerFactory.getLogger(DemoSession.class);
    /** The live figures' rates and quantiles cover about this much of the recent past. */
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final Duration CATCH_UP = Duration.ofSeconds(90);
    private static final String STATS_CHANGES = "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"
            + " WHERE schemaname = 'app'";

    /** A superuser connection to the demo database (for the checks at the end). */
    public interface Connector {
        Connection open() throws SQLException;
    }

    /** What the demo needs of the running pipeline. */
    public record Pipeline(Supplier<List<MeterRegistry>> registries, Connector superuser, AutoCloseable workloadConnections,
            IntSupplier verify) {
    }

    private record Reading(long nanos, StatusBoard.Application app, PipelineFigures figures) {
    }

    private final DemoWorkload workload;
    private final Pipeline pipeline;
    private final PrintStream out;
    private final boolean terminal;
    private final ScheduledExecutorService drawer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("demo-status"));
    private final Deque<Reading> history = new ArrayDeque<>();
    private long started;
    private long statsBaseline;
    private int drawnLines;
    private long viewAgeMax;
    private boolean finished;

    public DemoSession(DemoWorkload workload, Pipeline pipeline, PrintStream out, boolean terminal) {
        this.workload = workload;
        this.pipeline = pipeline;
        this.out = out;
        this.terminal = terminal;
    }

    /** The copy-paste part of the banner: what to look at while the demo runs. */
    public static List<String> tryWhileItRuns(String verifyCommand) {
        long article = DemoWorkload.articleId(1);
        return List.of(
                "Try while it runs (in psql, with the command above):",
                "  -- the audit trail of one article, with who made each change",
                "  SELECT committed_at, op, changed_columns, after->>'title' AS title, app_user, app_org, db_user",
                "    FROM audit.changes_with_actor WHERE source_table = 'app.articles' AND primary_key->>'id' = '" + article + "'",
                "   ORDER BY source_lsn;",
                "  -- today's views, comments and favorites per article (analytics-aggregator)",
                "  SELECT article_id, views, comments, favorites FROM analytics.article_daily_stats",
                "   WHERE day = current_date ORDER BY views DESC LIMIT 5;",
                "and in another terminal, the audit log's hash chains verified:",
                "  " + verifyCommand,
                "");
    }

    /** Baseline of PostgreSQL's statistics, then the workload and the status block. */
    public void start(Duration tick) throws SQLException {
        statsBaseline = single(STATS_CHANGES); // nothing pending: the demo has not written yet
        workload.start(tick);
        started = System.nanoTime();
        history.add(new Reading(started, StatusBoard.Application.ZERO, PipelineFigures.ZERO));
        long every = terminal ? 1 : 10;
        drawer.scheduleAtFixedRate(this::drawSafely, every, every, TimeUnit.SECONDS);
    }

    private StatusBoard.Application application() {
        return new StatusBoard.Application(workload.changesCommitted(), workload.reads(), workload.cacheHits(), workload.failures());
    }

    private void drawSafely() {
        try {
            draw();
        } catch (RuntimeException e) {
            LOG.warn("drawing the demo status failed: {}", e.toString());
        }
    }

    private synchronized void draw() {
        long now = System.nanoTime();
        Reading current = new Reading(now, application(), PipelineFigures.read(pipeline.registries().get()));
        viewAgeMax = Math.max(viewAgeMax, Math.round(current.figures().viewAgeSeconds()));
        while (history.size() > 1 && now - history.peekFirst().nanos() > WINDOW.toNanos()) {
            history.removeFirst();
        }
        Reading before = history.peekFirst();
        List<String> lines = StatusBoard.live(Duration.ofNanos(now - started), current.app(), before.app(), current.figures(),
                before.figures(), Duration.ofNanos(now - before.nanos()));
        history.addLast(current);
        StringBuilder text = new StringBuilder();
        if (terminal && drawnLines > 0) {
            text.append("\033[").append(drawnLines).append('A');
        }
        for (String line : lines) {
            text.append(terminal ? "\r\033[2K" : "").append(line).append('\n');
        }
        if (!terminal) {
            text.append('\n');
        }
        out.print(text);
        out.flush();
        drawnLines = lines.size();
    }

    /**
     * Stops the workload, waits (a bounded time) for the pipeline to catch up, prints the summary,
     * the checks and a verification of the hash chains. True when every check passed.
     */
    public synchronized boolean finish() {
        if (finished) {
            return true;
        }
        finished = true;
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        workload.close();
        closeQuietly(pipeline.workloadConnections());
        drawer.shutdownNow();
        StatusBoard.Application app = application();
        out.printf(Locale.ROOT, "%nthe demo stopped after %s; waiting for the pipeline to catch up with its %,d row changes ...%n",
                StatusBoard.clock(elapsed), app.changes());
        PipelineFigures end = awaitCatchUp(app.changes());
        if (terminal) {
            draw(); // the block, up to date, above the summary
        }
        out.println();
        out.println("Summary");
        StatusBoard.table(StatusBoard.summary(elapsed, app, end, viewAgeMax)).forEach(out::println);
        boolean ok = true;
        try {
            long audited = auditedRows();
            long counted = statsChanges() - statsBaseline;
            boolean exact = audited == app.changes() && counted == app.changes();
            ok = exact;
            out.printf(Locale.ROOT, "%naudit log: %,d rows in audit.change_log for %,d row changes the demo committed"
                    + " (PostgreSQL's statistics of the app tables: %,d): %s%n", audited, app.changes(), counted,
                    exact ? "every change audited, once" : "MISMATCH");
        } catch (SQLException e) {
            ok = false;
            out.println("audit log: cannot count its rows: " + e.getMessage());
        }
        ok &= end.deadLetters() == 0 && end.consumerLag() == 0;
        out.printf(Locale.ROOT, "health: %,d dead letters, %,d records of consumer lag, %,d demo steps failed%n", end.deadLetters(),
                end.consumerLag(), app.failures());
        out.println();
        out.println("audit verify (the hash chains, recomputed):");
        out.flush();
        ok &= pipeline.verify().getAsInt() == 0;
        out.flush();
        return ok;
    }

    private PipelineFigures awaitCatchUp(long changes) {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (true) {
            PipelineFigures figures = PipelineFigures.read(pipeline.registries().get());
            boolean caughtUp = figures.auditRows() >= changes && figures.captured() >= changes && figures.consumerLag() == 0;
            if (caughtUp || System.nanoTime() > deadline) {
                if (!caughtUp) {
                    out.printf("not caught up after %d s: the figures below are where the pipeline stands%n", CATCH_UP.toSeconds());
                }
                return figures;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return figures;
            }
        }
    }

    /** Audit rows of the application's tables: what audit-sink committed, counted in the database. */
    private long auditedRows() throws SQLException {
        return single("SELECT count(*) FROM audit.change_log WHERE source_table LIKE 'app.%'");
    }

    /**
     * Rows inserted, updated and deleted in the app schema by PostgreSQL's cumulative statistics:
     * a count neither the demo nor the pipeline keeps. (Rows of rolled-back transactions count too:
     * failed demo steps make it differ.) Statistics reach the shared counters when a backend is idle
     * or exits: the workload's connections are closed before the final reading.
     */
    private long statsChanges() throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long last = -1;
        while (true) {
            long now = single(STATS_CHANGES);
            if (now == last || System.nanoTime() > deadline) {
                return now;
            }
            last = now;
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return now;
            }
        }
    }

    private long single(String sql) throws SQLException {
        try (Connection c = pipeline.superuser().open(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            LOG.warn("closing the demo's connections: {}", e.toString());
        }
    }
}
