package io.cdcpipeline.launcher;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.cache.LeasedCache;
import io.cdcpipeline.common.db.PriorityPool;

/**
 * {@code cdc-pipeline up --demo}: what an application on this pipeline does, so every service has
 * something to work on. As {@code app_user} (row-level security on, one organization) it reads
 * articles through the read-through {@link LeasedCache}, records article views and now and then
 * edits an article; the change stream then invalidates the cache, fills the audit log and the
 * analytics tables. Logs what it did every ten seconds.
 */
final class DemoWorkload implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoWorkload.class);
    static final long ORG = 100;
    static final int ARTICLES = 20;
    private static final Duration CACHE_TTL = Duration.ofMinutes(10);

    /** What the application caches for an article page: a few columns, as JSON. */
    record Article(long id, String slug, String title, String status) {
    }

    private final PriorityPool pool;
    private final LeasedCache cache;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demo-workload");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong loads = new AtomicLong();
    private final AtomicLong views = new AtomicLong();
    private final AtomicLong edits = new AtomicLong();

    DemoWorkload(PriorityPool pool, LeasedCache cache) {
        this.pool = pool;
        this.cache = cache;
    }

    /** Creates the demo organization, its author and articles (once), then starts the loop. */
    DemoWorkload start(Duration tick) throws SQLException {
        seed();
        scheduler.scheduleWithFixedDelay(this::tickSafely, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleAtFixedRate(this::report, 10, 10, TimeUnit.SECONDS);
        return this;
    }

    private void seed() throws SQLException {
        pool.inTransaction(c -> {
            setSession(c);
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO app.organizations (id, name, slug) VALUES (" + ORG + ", 'Demo', 'demo') ON CONFLICT DO NOTHING");
                s.execute("INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (" + ORG + ", " + ORG
                        + ", 'author@demo.invalid', 'demo-author', 'not-a-real-hash') ON CONFLICT DO NOTHING");
                s.execute("INSERT INTO app.articles (id, org_id, author_id, slug, title, status, published_at)"
                        + " SELECT " + ORG + " * 1000 + i, " + ORG + ", " + ORG + ", 'demo-' || i, 'Demo article ' || i,"
                        + " 'published', now() FROM generate_series(1, " + ARTICLES + ") i ON CONFLICT DO NOTHING");
            }
            return null;
        });
    }

    static long articleId(int n) {
        return ORG * 1000 + n;
    }

    private void tickSafely() {
        try {
            tick();
        } catch (Exception e) {
            // A demo keeps going through outages; the services' own logs tell the story.
            LOG.warn("demo workload step failed: {}", e.toString());
        }
    }

    private void tick() throws Exception {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long id = articleId(1 + random.nextInt(ARTICLES));
        read(id);
        pool.inTransaction(c -> {
            setSession(c);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO app.article_views (article_id, user_id) VALUES (?, ?)")) {
                insert.setLong(1, id);
                insert.setLong(2, ORG);
                insert.executeUpdate();
            }
            if (random.nextInt(25) == 0) {
                try (PreparedStatement edit = c.prepareStatement(
                        "UPDATE app.articles SET title = 'Demo article " + (id - ORG * 1000) + " (edit ' || ? || ')',"
                                + " updated_at = now() WHERE id = ?")) {
                    edit.setLong(1, edits.incrementAndGet());
                    edit.setLong(2, id);
                    edit.executeUpdate();
                }
            }
            return null;
        });
        views.incrementAndGet();
    }

    /** The application's read path: Redis first, PostgreSQL on a miss (stored only under a valid lease). */
    Article read(long id) throws Exception {
        reads.incrementAndGet();
        return cache.get("article:" + id, Article.class, () -> {
            loads.incrementAndGet();
            return pool.inTransaction(c -> {
                setSession(c);
                try (PreparedStatement q = c.prepareStatement("SELECT id, slug, title, status FROM app.articles WHERE id = ?")) {
                    q.setLong(1, id);
                    try (ResultSet rs = q.executeQuery()) {
                        return rs.next() ? new Article(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)) : null;
                    }
                }
            });
        }, CACHE_TTL);
    }

    /** Row-level security and the audit log's actor: the demo acts as its author (user id = org id) in its organization. */
    private static void setSession(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL app.org_id = '" + ORG + "'");
            s.execute("SET LOCAL app.user_id = '" + ORG + "'");
        }
    }

    private void report() {
        long r = reads.get();
        LOG.info("demo: {} article reads ({}% served by Redis), {} views recorded, {} edits", r,
                r == 0 ? 0 : Math.round(100.0 * (r - loads.get()) / r), views.get(), edits.get());
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
