package io.cdcpipeline.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The classic race — a reader loads a row, a writer commits, the invalidation runs, the reader
 * stores what it loaded — under load, with real PostgreSQL, capture, Kafka, invalidator and Redis.
 * With leases no stale value survives; without them some do, which shows the test can fail.
 */
class CacheRaceIT {

    private static final int ARTICLES = 20;
    private static final int READERS = 8;
    private static final int READS_PER_READER = 700;
    private static final int WRITERS = 2;
    private static final int WRITES_PER_WRITER = 2500;

    private static CacheFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = CacheFixture.start("cache-race");
        f.startInvalidator();
        f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')",
                "INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 1, 'a@x.io', 'a', 'h')",
                "INSERT INTO app.articles (id, org_id, author_id, slug, title) SELECT g, 1, 1, 's' || g, 'v0'"
                        + " FROM generate_series(1, 200) g");
        f.awaitDrained();
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    @Test
    void shouldLeaveNoStaleValueWithLeases() throws Exception {
        RaceResult result = race(true, 0);
        assertThat(result.operations()).isGreaterThanOrEqualTo(10_000);
        assertThat(result.stale()).as("cached values differing from the database: %s", result.staleKeys()).isZero();
        assertThat(result.cached()).as("the cache was used at all").isPositive();
    }

    @Test
    void shouldLeaveStaleValuesWithoutLeases() throws Exception {
        RaceResult result = race(false, 100);
        assertThat(result.operations()).isGreaterThanOrEqualTo(10_000);
        assertThat(result.stale()).as("without leases the race leaves stale values").isPositive();
    }

    record RaceResult(int operations, int cached, int stale, List<String> staleKeys) {
    }

    private static RaceResult race(boolean leases, int firstId) throws Exception {
        LeasedCache cache = new LeasedCache(f.redis, f.keyPrefix, Duration.ofSeconds(10), leases, new ObjectMapper());
        AtomicInteger operations = new AtomicInteger();
        AtomicInteger version = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(READERS + WRITERS);
        List<Future<?>> work = new ArrayList<>();
        for (int r = 0; r < READERS; r++) {
            work.add(pool.submit(() -> {
                try (Connection c = f.capture.db.superuserConnection()) {
                    for (int i = 0; i < READS_PER_READER; i++) {
                        int id = firstId + 1 + ThreadLocalRandom.current().nextInt(ARTICLES);
                        // Mostly quick, sometimes long enough for a write and its invalidation to pass.
                        long delay = ThreadLocalRandom.current().nextInt(100) < 85 ? ThreadLocalRandom.current().nextInt(5)
                                : 100 + ThreadLocalRandom.current().nextInt(300);
                        cache.get("article:" + id, String.class, () -> {
                            String title = title(c, id);
                            Thread.sleep(delay);
                            return title;
                        }, Duration.ofMinutes(10));
                        operations.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (int w = 0; w < WRITERS; w++) {
            work.add(pool.submit(() -> {
                try (Connection c = f.capture.db.superuserConnection()) {
                    for (int i = 0; i < WRITES_PER_WRITER; i++) {
                        update(c, firstId + 1 + ThreadLocalRandom.current().nextInt(ARTICLES), "v" + version.incrementAndGet());
                        operations.incrementAndGet();
                        Thread.sleep(ThreadLocalRandom.current().nextInt(3));
                    }
                }
                return null;
            }));
        }
        for (Future<?> future : work) {
            future.get(10, TimeUnit.MINUTES);
        }
        finalWave(cache, firstId, version);
        pool.shutdown();
        f.awaitDrained();

        int cached = 0;
        List<String> stale = new ArrayList<>();
        try (Connection c = f.capture.db.superuserConnection()) {
            for (int id = firstId + 1; id <= firstId + ARTICLES; id++) {
                String value = f.redis.get(f.keyPrefix + "article:" + id);
                if (value != null) {
                    cached++;
                    String expected = "\"" + title(c, id) + "\"";
                    if (!value.equals(expected)) {
                        stale.add("article:" + id + " cached " + value + ", database " + expected);
                    }
                }
            }
        }
        return new RaceResult(operations.get(), cached, stale.size(), stale);
    }

    /**
     * The race at its sharpest: every reader has loaded a row, then a writer changes those rows,
     * and the readers store only after the invalidations have run.
     */
    private static void finalWave(LeasedCache cache, int firstId, AtomicInteger version) throws Exception {
        ExecutorService readers = Executors.newFixedThreadPool(READERS);
        CountDownLatch loaded = new CountDownLatch(READERS);
        List<Future<?>> reads = new ArrayList<>();
        for (int r = 0; r < READERS; r++) {
            int id = firstId + 1 + r;
            f.redis.del(f.keyPrefix + "article:" + id);
            reads.add(readers.submit(() -> {
                try (Connection c = f.capture.db.superuserConnection()) {
                    cache.get("article:" + id, String.class, () -> {
                        String title = title(c, id);
                        loaded.countDown();
                        Thread.sleep(3000);
                        return title;
                    }, Duration.ofMinutes(10));
                }
                return null;
            }));
        }
        loaded.await(30, TimeUnit.SECONDS);
        try (Connection c = f.capture.db.superuserConnection()) {
            for (int r = 0; r < READERS; r++) {
                update(c, firstId + 1 + r, "final-" + version.incrementAndGet());
            }
        }
        for (Future<?> read : reads) {
            read.get(60, TimeUnit.SECONDS);
        }
        readers.shutdown();
    }

    private static String title(Connection c, int id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT title FROM app.articles WHERE id = ?")) {
            s.setInt(1, id);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static void update(Connection c, int id, String title) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE app.articles SET title = ? WHERE id = ?")) {
            s.setString(1, title);
            s.setInt(2, id);
            s.executeUpdate();
        }
    }
}
