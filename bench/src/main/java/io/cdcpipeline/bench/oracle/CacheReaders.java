package io.cdcpipeline.bench.oracle;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cdcpipeline.cache.LeasedCache;
import io.cdcpipeline.testkit.TestDatabase;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * An application reading articles through {@link LeasedCache} while the workload writes them,
 * and the check afterwards: once cache-invalidator has consumed every change, no cached article
 * may differ from its row, and none may survive its row's deletion.
 */
final class CacheReaders implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LOAD = "SELECT row_to_json(a)::text FROM (SELECT id, title, status, published_at, updated_at"
            + " FROM app.articles WHERE id = ?) a";

    private final TestDatabase db;
    private final RedisClient redis;
    private final String prefix;
    private final LeasedCache cache;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService threads;
    final AtomicLong reads = new AtomicLong();
    final AtomicLong loads = new AtomicLong();

    CacheReaders(TestDatabase db, RedisClient redis, String prefix, int threadCount, long seed) {
        this.db = db;
        this.redis = redis;
        this.prefix = prefix;
        this.cache = new LeasedCache(redis, prefix, Duration.ofSeconds(5), true, JSON);
        this.threads = Executors.newFixedThreadPool(threadCount);
        for (int t = 0; t < threadCount; t++) {
            Random random = new Random(seed * 31 + t);
            threads.submit(() -> {
                read(random);
                return null;
            });
        }
    }

    private void read(Random random) throws Exception {
        List<Long> ids = new ArrayList<>();
        long refreshed = 0;
        while (!stop.get()) {
            try (Connection c = db.superuserConnection()) {
                while (!stop.get()) {
                    if (ids.isEmpty() || System.nanoTime() - refreshed > TimeUnit.SECONDS.toNanos(1)) {
                        ids = articleIds(c);
                        refreshed = System.nanoTime();
                    }
                    if (ids.isEmpty()) {
                        Thread.sleep(50);
                        continue;
                    }
                    long id = ids.get(random.nextInt(ids.size()));
                    cache.get("article:" + id, Map.class, () -> {
                        loads.incrementAndGet();
                        return load(c, id);
                    }, Duration.ofMinutes(10));
                    reads.incrementAndGet();
                }
            } catch (SQLException | RuntimeException e) {
                // PostgreSQL or Redis restarting under a fault: an application retries with a new connection.
                Thread.sleep(200);
            }
        }
    }

    private static List<Long> articleIds(Connection c) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM app.articles")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(Connection c, long id) throws Exception {
        try (PreparedStatement s = c.prepareStatement(LOAD)) {
            s.setLong(1, id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? JSON.readValue(rs.getString(1), Map.class) : null;
            }
        }
    }

    /** Stops reading (waits for the readers). */
    void stopReading() throws InterruptedException {
        stop.set(true);
        threads.shutdown();
        threads.awaitTermination(30, TimeUnit.SECONDS);
    }

    /** Cached articles that differ from their rows now, or whose row is gone; empty when the cache is correct. */
    List<String> staleEntries() throws Exception {
        List<String> stale = new ArrayList<>();
        try (Connection c = db.superuserConnection()) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = redis.scan(cursor, new ScanParams().match(prefix + "article:*").count(500));
                for (String key : page.getResult()) {
                    String suffix = key.substring((prefix + "article:").length());
                    if (!suffix.matches("[0-9]+")) {
                        continue;   // a lease or another key shape
                    }
                    String cached = redis.get(key);
                    if (cached == null) {
                        continue;   // expired or invalidated since the scan
                    }
                    Map<String, Object> row = load(c, Long.parseLong(suffix));
                    if (row == null) {
                        stale.add(key + " is cached but its row is gone: " + cached);
                    } else if (!JSON.readTree(cached).equals(JSON.valueToTree(row))) {
                        stale.add(key + " holds " + cached + " but the row is " + JSON.writeValueAsString(row));
                    }
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
        return stale;
    }

    @Override
    public void close() throws InterruptedException {
        stopReading();
    }
}
