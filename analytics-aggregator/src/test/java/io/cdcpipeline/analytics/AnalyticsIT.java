package io.cdcpipeline.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.service.ServiceThread;
import org.junit.jupiter.api.io.TempDir;

import io.cdcpipeline.testkit.ServiceProcess;

/** End to end: source tables → capture → Kafka Streams → article_daily_stats → article_analytics, exactly. */
class AnalyticsIT {

    private static final Duration CONVERGE = Duration.ofSeconds(120);

    private static void awaitExact(AnalyticsFixture f) {
        await("daily stats equal the brute-force GROUP BY").atMost(CONVERGE).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(f.dailyStats()).isEqualTo(f.bruteForceDaily()));
    }

    @Test
    void shouldMatchBruteForceCountsAndRefreshTheView() throws Exception {
        try (AnalyticsFixture f = AnalyticsFixture.start("analytics-exact")) {
            f.startInstance();
            f.randomWorkload(1, 3000, 600, 400);

            awaitExact(f);
            assertThat(f.dailyStats()).hasSizeGreaterThan(100);
            await("the view shows the refreshed totals").atMost(CONVERGE).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(f.materializedView()).isEqualTo(f.bruteForcePerArticle()));
            assertThat(f.count("SELECT count(*) FROM analytics.refresh_log")).isPositive();
        }
    }

    @Test
    void shouldCountTheSameFromEnvelopesWithTheirSchemaEmbedded() throws Exception {
        try (AnalyticsFixture f = AnalyticsFixture.start("analytics-json-schemas", java.util.Map.of("CAPTURE_JSON_SCHEMAS", "true"))) {
            f.startInstance();
            f.randomWorkload(7, 600, 200, 200);
            awaitExact(f);
            assertThat(f.dailyStats()).hasSizeGreaterThan(20);
            f.capture.sql("TRUNCATE app.user_favorites");
            awaitExact(f);
        }
    }

    @Test
    void shouldWaitForCaptureToCreateTheCountedTopicsWithItsConfiguration() throws Exception {
        try (AnalyticsFixture f = AnalyticsFixture.withoutCapture("analytics-waits")) {
            java.util.concurrent.CompletableFuture<ServiceThread> instance = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return f.startInstance();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(3000);
            assertThat(instance).as("analytics waits for capture's topics").isNotDone();
            String views = f.capture.prefix + ".app.article_views";
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                    java.util.Map.of("bootstrap.servers", f.capture.kafka.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get()).as("analytics created no change topic").doesNotContain(views);

                f.startCapture();
                instance.get(60, java.util.concurrent.TimeUnit.SECONDS);
                var resource = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, views);
                assertThat(admin.describeConfigs(java.util.List.of(resource)).all().get().get(resource).get("max.message.bytes").value())
                        .as("the topic has capture's configuration").isEqualTo("16777216");
            }
            f.randomWorkload(8, 200, 100, 100);
            awaitExact(f);
        }
    }

    @Test
    void shouldZeroTheCountsOfTruncatedTablesAndCountRowsWrittenAfterwards() throws Exception {
        try (AnalyticsFixture f = AnalyticsFixture.start("analytics-truncate")) {
            f.startInstance();
            f.randomWorkload(5, 600, 200, 200);
            awaitExact(f);

            // Capture sends each truncate, keyless, to every partition of the table's topic.
            f.capture.sql("TRUNCATE app.article_views, app.comments");
            awaitExact(f);
            assertThat(f.count("SELECT sum(views) + sum(comments) FROM analytics.article_daily_stats"))
                    .as("views and comments of every article and day are gone").isZero();
            assertThat(f.count("SELECT sum(favorites) FROM analytics.article_daily_stats")).as("favorites were not truncated")
                    .isPositive();

            f.randomWorkload(6, 300, 100, 100);
            awaitExact(f);
            assertThat(f.count("SELECT sum(views) FROM analytics.article_daily_stats")).as("views after the truncate count")
                    .isPositive();

            f.capture.sql("TRUNCATE app.user_favorites");
            awaitExact(f);
            assertThat(f.count("SELECT sum(favorites) FROM analytics.article_daily_stats")).isZero();
        }
    }

    @Test
    void shouldRefreshTheViewWhenArticlesChangeWithoutStatsChanging() throws Exception {
        try (AnalyticsFixture f = AnalyticsFixture.start("analytics-articles")) {
            f.startInstance();
            f.capture.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')",
                    "INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 1, 'u@x.io', 'u', 'h')",
                    "INSERT INTO app.articles (id, org_id, author_id, slug, title, status, published_at) VALUES"
                            + " (1, 1, 1, 'first', 'First', 'published', now()), (2, 1, 1, 'second', 'Second', 'published', now()),"
                            + " (3, 1, 1, 'third', 'Third', 'draft', NULL)");
            await("the view lists the published articles, though nothing was counted").atMost(CONVERGE)
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(f.viewTitles()).isEqualTo(Map.of("1", "First", "2", "Second")));

            f.capture.sql("UPDATE app.articles SET title = 'First, renamed' WHERE id = 1",
                    "UPDATE app.articles SET status = 'published', published_at = now() WHERE id = 3");
            await("the view shows the new title and the newly published article").atMost(CONVERGE)
                    .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> assertThat(f.viewTitles())
                            .isEqualTo(Map.of("1", "First, renamed", "2", "Second", "3", "Third")));

            f.capture.sql("TRUNCATE app.articles CASCADE");
            await("a truncate of the articles empties the view").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(f.viewTitles()).isEmpty());
            assertThat(f.count("SELECT count(*) FROM analytics.article_daily_stats")).as("no stats were ever written").isZero();
        }
    }

    @Test
    void shouldStayExactWhenTheAggregatorIsKilledAndRestartedOnFreshState(@TempDir Path dir) throws Exception {
        try (AnalyticsFixture f = AnalyticsFixture.start("analytics-crash")) {
            ServiceProcess first = ServiceProcess.start("analytics-1", AnalyticsService.class.getName(), f.env(), dir);
            try {
                await().atMost(Duration.ofSeconds(90)).until(first::ready);
                f.randomWorkload(2, 2000, 400, 200);
                await().atMost(CONVERGE).until(() -> f.count("SELECT count(*) FROM analytics.article_daily_stats") > 0);
                first.kill();
            } finally {
                first.close();
            }
            f.randomWorkload(3, 2000, 400, 200);
            // A new instance on another "host": its state comes back from the changelog topics.
            ServiceProcess second = ServiceProcess.start("analytics-2", AnalyticsService.class.getName(), f.env(), dir);
            try {
                awaitExact(f);
            } finally {
                second.close();
            }
        }
    }

    /**
     * SIGKILL, then a restart at once with the same KAFKA_GROUP_INSTANCE_ID and state directory (as
     * a container or pod restarts on its volume): ready only once it holds its partitions, and a
     * view committed while it was down is counted within 10 s of the kill, JVM start, Kafka
     * Streams' rejoin and the abort of the dead instance's open transaction included.
     */
    @Test
    void shouldCountAgainWithinTenSecondsOfAKill(@TempDir Path dir) throws Exception {
        try (AnalyticsFixture f = AnalyticsFixture.start("analytics-restart")) {
            Map<String, String> env = f.env();
            env.put("KAFKA_GROUP_INSTANCE_ID", "analytics-a");
            ServiceProcess instance = ServiceProcess.start("analytics-0", AnalyticsService.class.getName(), env, dir);
            List<String> recoveries = new ArrayList<>();
            try {
                await().atMost(Duration.ofSeconds(90)).until(instance::ready);
                f.randomWorkload(8, 600, 100, 100);
                awaitExact(f);
                for (int kill = 1; kill <= 2; kill++) {
                    long views = f.count("SELECT coalesce(sum(views), 0) FROM analytics.article_daily_stats");
                    instance.kill();
                    long killed = System.nanoTime();
                    f.capture.sql("INSERT INTO app.article_views (article_id, user_id, created_at) VALUES (1, 1, now())");
                    instance.close();
                    instance = ServiceProcess.start("analytics-" + kill, AnalyticsService.class.getName(), env, dir);
                    ServiceProcess restarted = instance;
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(restarted::ready);
                    double readyAfter = (System.nanoTime() - killed) / 1e9;
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                            .until(() -> f.count("SELECT coalesce(sum(views), 0) FROM analytics.article_daily_stats") > views);
                    double countingAfter = (System.nanoTime() - killed) / 1e9;
                    recoveries.add(String.format("kill %d: ready after %.1f s, counted after %.1f s", kill, readyAfter, countingAfter));
                    assertThat(countingAfter).as(recoveries.toString()).isLessThan(10.0);
                }
                System.out.println("analytics-aggregator recovery after SIGKILL: " + recoveries);
                awaitExact(f);
            } finally {
                instance.close();
            }
        }
    }

    @Test
    void shouldStayExactWithTwoInstancesAndRefreshFromOneAtATime() throws Exception {
        try (AnalyticsFixture f = AnalyticsFixture.start("analytics-two")) {
            f.startInstance();
            f.startInstance();
            for (int round = 0; round < 3; round++) {
                f.randomWorkload(4 + round, 1500, 300, 150);
                Thread.sleep(1500);
            }
            awaitExact(f);
            await().atMost(CONVERGE).untilAsserted(() -> assertThat(f.materializedView()).isEqualTo(f.bruteForcePerArticle()));
            assertThat(f.count("SELECT count(*) FROM analytics.refresh_log a JOIN analytics.refresh_log b ON a.id < b.id"
                    + " AND a.started_at < b.finished_at AND b.started_at < a.finished_at")).as("overlapping refreshes").isZero();
            assertThat(f.count("SELECT count(DISTINCT refreshed_by) FROM analytics.refresh_log")).as("one refresher")
                    .isOne();
        }
    }

    @Test
    void shouldNeverBlockReadersWhileRefreshing() throws Exception {
        try (AnalyticsFixture f = AnalyticsFixture.start("analytics-readers")) {
            // A view big enough for a refresh to take a while: 5,000 published articles, 60 days each.
            f.capture.db.execute("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o');"
                    + " INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 1, 'u@x.io', 'u', 'h');"
                    + " INSERT INTO app.articles (id, org_id, author_id, slug, title, status) SELECT g, 1, 1, 's' || g, 't', 'published'"
                    + " FROM generate_series(1, 5000) g;"
                    + " INSERT INTO analytics.article_daily_stats (article_id, day, views) SELECT a, current_date - d, 1"
                    + " FROM generate_series(1, 5000) a, generate_series(0, 59) d;"
                    + " REFRESH MATERIALIZED VIEW analytics.article_analytics;"
                    + " UPDATE analytics.article_daily_stats SET views = 2 WHERE day = current_date");
            AtomicBoolean refreshing = new AtomicBoolean(true);
            AtomicLong reads = new AtomicLong();
            AtomicLong slowestMillis = new AtomicLong();
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                try (Connection c = f.capture.db.superuserConnection(); Statement s = c.createStatement()) {
                    while (refreshing.get()) {
                        long start = System.nanoTime();
                        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM analytics.article_analytics")) {
                            rs.next();
                            assertThat(rs.getLong(1)).isEqualTo(5000);
                        }
                        slowestMillis.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
                        reads.incrementAndGet();
                    }
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            f.capture.db.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY analytics.article_analytics");
            long refreshMillis = (System.nanoTime() - start) / 1_000_000;
            refreshing.set(false);
            reader.get();

            assertThat(reads.get()).as("reads completed during a %d ms refresh", refreshMillis).isGreaterThan(5);
            assertThat(slowestMillis.get()).as("no read waited for the refresh (%d ms)", refreshMillis).isLessThan(refreshMillis);
            assertThat(f.count("SELECT sum(view_count) FROM analytics.article_analytics")).isEqualTo(5000L * 61);
        }
    }

    @Test
    void shouldNotMarkTheViewCurrentWhenAStatsWriteCommitsDuringTheRefresh() throws Exception {
        try (AnalyticsFixture f = AnalyticsFixture.start("analytics-race");
             Connection lock = f.capture.db.superuserConnection();
             Connection writer = f.capture.db.superuserConnection();
             Statement l = lock.createStatement(); Statement w = writer.createStatement()) {
            // Keep every instance from refreshing until the stats write below is open.
            l.execute("SELECT pg_advisory_lock(hashtext('analytics-aggregator:refresh:analytics.article_analytics'))");
            f.startInstance();
            f.randomWorkload(4, 500, 100, 50);
            awaitExact(f);
            long article = f.count("SELECT min(article_id) FROM analytics.article_daily_stats");

            // A sink transaction that began before the refresh and commits while it waits on the state row.
            writer.setAutoCommit(false);
            w.execute("UPDATE analytics.article_daily_stats SET views = views + 1000 WHERE article_id = " + article
                    + " AND day = (SELECT min(day) FROM analytics.article_daily_stats WHERE article_id = " + article + ")");
            w.execute("UPDATE analytics.refresh_state SET dirty_since = coalesce(dirty_since, now()), last_change_at = now()"
                    + " WHERE view_name = 'analytics.article_analytics'");
            l.execute("SELECT pg_advisory_unlock(hashtext('analytics-aggregator:refresh:analytics.article_analytics'))");
            await("the refresh waits for the open stats write").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> f.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                            + " AND query LIKE 'UPDATE analytics.refresh_state SET last_refresh_at%'") == 1);
            writer.commit();

            // That refresh could not see the write: the view must be refreshed again, not marked current.
            await("the view shows the write committed during the refresh").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> f.count("SELECT view_count FROM analytics.article_analytics WHERE article_id = " + article)
                            == f.count("SELECT sum(views) FROM analytics.article_daily_stats WHERE article_id = " + article));
            assertThat(f.count("SELECT count(*) FROM analytics.refresh_state WHERE dirty_since IS NOT NULL")).isZero();
        }
    }
}
