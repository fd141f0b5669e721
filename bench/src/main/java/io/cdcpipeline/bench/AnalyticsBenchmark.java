package io.cdcpipeline.bench;

import io.cdcpipeline.common.service.ServiceThread;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import io.cdcpipeline.analytics.AnalyticsService;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.TestDatabase;

/**
 * analytics-aggregator throughput and the cost of the seed's view.
 *
 * <ol>
 *   <li>1,000,000 view events (1,000 articles, 60 days) pre-loaded on the views topic; events/s
 *       until {@code article_daily_stats} holds all of them (from the first counts written to the
 *       last).</li>
 *   <li>Refresh time of {@code analytics.article_analytics} (from the daily stats) against the
 *       seed's definition (three one-to-many joins over the raw tables) on the same data, in the
 *       same run.</li>
 * </ol>
 */
final class AnalyticsBenchmark {

    private static final int VIEWS = 1_000_000;
    private static final int ARTICLES = 1_000;
    private static final int DAYS = 60;

    private AnalyticsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        try (EmbeddedInfrastructure infra = EmbeddedInfrastructure.create().startAll()) {
            TestDatabase db = BenchDatabase.create(infra, "bench_analytics");
            String prefix = "analyticsbench";
            infra.kafka().topics().create(prefix + ".app.article_views", 3);
            db.execute("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'B', 'b');"
                    + " INSERT INTO app.users (id, org_id, email, username, password_hash)"
                    + " SELECT g, 1, 'u' || g || '@b.io', 'u' || g, 'h' FROM generate_series(1, 100) g;"
                    + " INSERT INTO app.articles (id, org_id, author_id, slug, title, status, published_at)"
                    + " SELECT g, 1, 1 + g % 100, 'a' || g, 'A' || g, 'published', now() FROM generate_series(1, " + ARTICLES + ") g");

            long load = System.nanoTime();
            preloadViews(infra.kafka().bootstrapServers(), prefix + ".app.article_views");
            System.out.printf("pre-loaded %,d view events in %.1f s%n", VIEWS, (System.nanoTime() - load) / 1e9);

            Map<String, String> env = BenchDatabase.analyticsEnv(infra, db, prefix, "analytics-bench",
                    Files.createTempDirectory("analytics-bench"));
            env.put("ANALYTICS_REFRESH_INTERVAL", "3600000");
            long firstCounts = 0;
            long done;
            try (ServiceThread service = new ServiceThread("analytics-aggregator", AnalyticsService.create(env))) {
                while (true) {
                    long counted = query(db, "SELECT coalesce(sum(views), 0) FROM analytics.article_daily_stats");
                    long now = System.nanoTime();
                    if (counted > 0 && firstCounts == 0) {
                        firstCounts = now;
                    }
                    if (counted >= VIEWS) {
                        done = now;
                        break;
                    }
                    Thread.sleep(200);
                }
            }
            double seconds = (done - firstCounts) / 1e9;
            System.out.printf("%nRESULT aggregated %,d view events into article_daily_stats in %.1f s: %,.0f events/s%n",
                    VIEWS, seconds, VIEWS / seconds);

            // The same views in the raw table, plus a few comments and favorites, for the seed's view.
            db.execute("SELECT setseed(0.7); INSERT INTO app.article_views (article_id, user_id, created_at)"
                    + " SELECT 1 + (random() * " + (ARTICLES - 1) + ")::int, 1 + (random() * 99)::int,"
                    + " now() - random() * interval '" + DAYS + " days' FROM generate_series(1, " + VIEWS + ");"
                    + " INSERT INTO app.comments (org_id, article_id, author_id, body) SELECT 1, 1 + g % " + ARTICLES
                    + ", 1 + g % 100, 'c' FROM generate_series(1, " + 2 * ARTICLES + ") g;"
                    + " INSERT INTO app.user_favorites (user_id, article_id) SELECT 1 + g % 100, 1 + g % " + ARTICLES
                    + " FROM generate_series(1, " + ARTICLES + ") g ON CONFLICT DO NOTHING;"
                    + " ANALYZE;"
                    + " CREATE MATERIALIZED VIEW seed_article_analytics AS SELECT a.id AS article_id, a.title, a.published_at,"
                    + " COUNT(av.id) AS view_count, COUNT(c.id) AS comment_count, COUNT(uf.user_id) AS favorite_count"
                    + " FROM app.articles a LEFT JOIN app.article_views av ON a.id = av.article_id"
                    + " LEFT JOIN app.comments c ON a.id = c.article_id LEFT JOIN app.user_favorites uf ON a.id = uf.article_id"
                    + " WHERE a.status = 'published' GROUP BY a.id, a.title, a.published_at WITH NO DATA");
            double ours = refreshSeconds(db, "REFRESH MATERIALIZED VIEW CONCURRENTLY analytics.article_analytics");
            double seed = refreshSeconds(db, "REFRESH MATERIALIZED VIEW seed_article_analytics");
            System.out.printf("RESULT refresh of article_analytics (%,d stats rows) %.2f s vs the seed's view over the raw tables"
                    + " %.2f s: %.0fx faster (and the seed's counts are multiplied: %,d views reported for %,d)%n",
                    query(db, "SELECT count(*) FROM analytics.article_daily_stats"), ours, seed, seed / ours,
                    query(db, "SELECT sum(view_count) FROM seed_article_analytics"), VIEWS);
        }
    }

    private static double refreshSeconds(TestDatabase db, String refresh) throws Exception {
        long start = System.nanoTime();
        db.execute(refresh);
        return (System.nanoTime() - start) / 1e9;
    }

    private static void preloadViews(String bootstrap, String topic) {
        Random random = new Random(42);
        Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int i = 1; i <= VIEWS; i++) {
                String createdAt = today.minusSeconds(random.nextInt(DAYS * 86_400)).toString();
                int article = 1 + random.nextInt(ARTICLES);
                String value = "{\"before\":null,\"after\":{\"id\":" + i + ",\"article_id\":" + article + ",\"user_id\":"
                        + (1 + random.nextInt(100)) + ",\"created_at\":\"" + createdAt + "\"},\"source\":{\"ts_ms\":1},"
                        + "\"op\":\"c\",\"ts_ms\":1}";
                producer.send(new ProducerRecord<>(topic, "{\"id\":" + i + ",\"created_at\":\"" + createdAt + "\"}", value));
            }
            producer.flush();
        }
    }

    private static long query(TestDatabase db, String sql) throws Exception {
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
