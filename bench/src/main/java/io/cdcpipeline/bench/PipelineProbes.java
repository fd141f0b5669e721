package io.cdcpipeline.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.cdcpipeline.bench.Workload.Counts;
import io.cdcpipeline.testkit.TestDatabase;
import redis.clients.jedis.RedisClient;

/**
 * Commit → cache key deleted and commit → counted, measured by probes that ride along a steady
 * workload through the whole pipeline (capture, audit-sink, analytics-aggregator and
 * cache-invalidator). Each probe has an article of its own, far above the workload's ids:
 *
 * <ul>
 *   <li>a <b>cache probe</b> sets the article's key in Redis, then updates the article in a
 *       transaction of its own; the key's deletion is stamped when Redis publishes it (keyspace
 *       notification);</li>
 *   <li>a <b>count probe</b> inserts a comment on its article in a transaction of its own; the count
 *       is stamped when analytics-aggregator first writes that article's {@code article_daily_stats}
 *       row (a trigger of the benchmark's takes {@code clock_timestamp()} inside the sink's
 *       transaction, a few milliseconds before it commits).</li>
 * </ul>
 *
 * The commit is stamped when the probe's COMMIT returned: one machine, one clock for all three.
 * None of it shares code with the services it measures.
 */
final class PipelineProbes implements AutoCloseable {

    /** Probe articles (and count probes' comments) start here; the workload's ids stay far below. */
    static final long FIRST_ID = 1_000_000_000L;

    /** What the probes measured, in milliseconds, sorted. */
    record Result(long[] cacheMillis, int cacheProbes, long[] countMillis, int countProbes) {
        String describe(long[] millis, int probes) {
            if (millis.length == 0) {
                return String.format(Locale.ROOT, "none of %d probes arrived", probes);
            }
            return String.format(Locale.ROOT, "p50 %d / p99 %d / max %d ms (%d of %d probes)", Percentiles.nearestRank(millis, 0.5),
                    Percentiles.nearestRank(millis, 0.99), millis[millis.length - 1], millis.length, probes);
        }
    }

    private final TestDatabase db;
    private final RedisClient redis;
    private final KeyDeletions deletions;
    private final String keyPrefix;
    private final int probes;
    private final Map<Long, Long> cacheCommittedAt = new HashMap<>();
    private final Map<Long, Long> countCommittedAt = new HashMap<>();
    /** The probes' own session, opened in {@link #prepare}: a TLS connection per probe would add its handshake to the load. */
    private Connection session;
    private PreparedStatement update;
    private PreparedStatement comment;
    private int next;

    /** {@code probes} of each kind at most; cache keys are {@code <keyPrefix>article:<id>}, as cache-invalidator's rules make them. */
    PipelineProbes(TestDatabase db, String redisHost, int redisPort, String keyPrefix, int probes) {
        this.db = db;
        this.redis = RedisClient.create(redisHost, redisPort);
        this.keyPrefix = keyPrefix;
        this.deletions = KeyDeletions.listen(redisHost, redisPort, articleKey(""));
        this.probes = probes;
    }

    private long cacheArticle(int i) {
        return FIRST_ID + i;
    }

    private long countArticle(int i) {
        return FIRST_ID + probes + i;
    }

    /**
     * The probe articles (2 × probes inserts, captured and audited like any), the stamping trigger,
     * and the subscription to key deletions; returns the changes it committed.
     */
    Counts prepare() throws Exception {
        db.execute("CREATE SCHEMA bench;"
                + " CREATE TABLE bench.counted (article_id bigint PRIMARY KEY, at timestamptz NOT NULL);"
                // SECURITY DEFINER: analytics-aggregator's role writes the stats, not the stamps.
                + " CREATE FUNCTION bench.stamp() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$"
                + " BEGIN INSERT INTO bench.counted VALUES (NEW.article_id, clock_timestamp()) ON CONFLICT DO NOTHING; RETURN NULL;"
                + " END $$;"
                + " CREATE TRIGGER bench_stamp AFTER INSERT OR UPDATE ON analytics.article_daily_stats FOR EACH ROW"
                + " WHEN (NEW.article_id >= " + FIRST_ID + " AND NEW.comments > 0) EXECUTE FUNCTION bench.stamp();"
                + " INSERT INTO app.articles (id, org_id, author_id, slug, title, status, published_at)"
                + " SELECT g, 1, 1, 'probe-' || g, 'Probe ' || g, 'published', now()"
                + " FROM generate_series(" + FIRST_ID + ", " + (FIRST_ID + 2L * probes - 1) + ") g");
        session = db.superuserConnection();
        update = session.prepareStatement("UPDATE app.articles SET title = 'probed' WHERE id = ?");
        comment = session.prepareStatement("INSERT INTO app.comments (id, org_id, article_id, author_id, body) VALUES (?, 1, ?, 1, 'probe')");
        return new Counts(2L * probes, 0, 0);
    }

    /**
     * One probe of each kind now, then waits until both arrived: the services caught up with
     * everything committed before (what a warm-up needs to know).
     */
    Counts awaitCaughtUp(Duration atMost) throws Exception {
        int i = next;
        Counts committed = probe();
        long deadline = System.nanoTime() + atMost.toNanos();
        while (deletedAt(cacheArticle(i)) == null || countedAt().get(countArticle(i)) == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("cache-invalidator or analytics-aggregator did not catch up within " + atMost);
            }
            Thread.sleep(200);
        }
        cacheCommittedAt.clear();
        countCommittedAt.clear();
        return committed;
    }

    /** {@code perSecond} probes of each kind for {@code duration}, paced; returns the changes they committed. */
    Counts run(Duration duration, int perSecond) throws Exception {
        Counts committed = new Counts(0, 0, 0);
        long start = System.nanoTime();
        long ticks = duration.toMillis() * perSecond / 1000;
        for (long tick = 0; tick < ticks && next < probes; tick++) {
            long wait = start + (long) (tick * 1e9 / perSecond) - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            committed = committed.plus(probe());
        }
        return committed;
    }

    /** One cache probe and one count probe, each its own transaction. */
    private Counts probe() throws SQLException {
        int i = next++;
        if (i >= probes) {
            throw new IllegalStateException("all " + probes + " probe articles are used");
        }
        long cached = cacheArticle(i);
        long counted = countArticle(i);
        redis.set(articleKey(Long.toString(cached)), "cached");
        update.setLong(1, cached);
        update.executeUpdate();
        cacheCommittedAt.put(cached, System.currentTimeMillis());
        comment.setLong(1, FIRST_ID + i);
        comment.setLong(2, counted);
        comment.executeUpdate();
        countCommittedAt.put(counted, System.currentTimeMillis());
        return new Counts(1, 1, 0);
    }

    private String articleKey(String id) {
        return keyPrefix + "article:" + id;
    }

    /** When the probe article's key was deleted (wall-clock ms), or null. */
    private Long deletedAt(long article) {
        KeyDeletions.Stamp stamp = deletions.of(articleKey(Long.toString(article)));
        return stamp == null ? null : stamp.millis();
    }

    private Map<Long, Long> countedAt() throws SQLException {
        Map<Long, Long> at = new HashMap<>();
        try (Statement s = session.createStatement();
             ResultSet rs = s.executeQuery("SELECT article_id, (extract(epoch FROM at) * 1000)::bigint FROM bench.counted")) {
            while (rs.next()) {
                at.put(rs.getLong(1), rs.getLong(2));
            }
        }
        return at;
    }

    /** The latencies of the probes since the warm-up, waiting up to {@code atMost} for late ones. */
    Result result(Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        Map<Long, Long> counted = countedAt();
        while ((cacheCommittedAt.keySet().stream().anyMatch(article -> deletedAt(article) == null)
                || !counted.keySet().containsAll(countCommittedAt.keySet()))
                && System.nanoTime() < deadline) {
            Thread.sleep(500);
            counted = countedAt();
        }
        return new Result(latencies(cacheCommittedAt, this::deletedAt), cacheCommittedAt.size(), latencies(countCommittedAt, counted::get),
                countCommittedAt.size());
    }

    private static long[] latencies(Map<Long, Long> committed, Function<Long, Long> arrived) {
        return committed.entrySet().stream().filter(e -> arrived.apply(e.getKey()) != null)
                .mapToLong(e -> arrived.apply(e.getKey()) - e.getValue()).sorted().toArray();
    }

    @Override
    public void close() throws SQLException {
        if (session != null) {
            session.close();
        }
        deletions.close();
        redis.close();
    }
}
