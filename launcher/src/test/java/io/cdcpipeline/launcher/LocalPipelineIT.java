package io.cdcpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.PostgresServer;
import redis.clients.jedis.RedisClient;

class LocalPipelineIT {

    @Test
    void shouldPrintWorkingEndpointsAndCleanUpOnClose() throws Exception {
        LocalPipeline pipeline = LocalPipeline.start();
        List<ProcessHandle> processes = pipeline.infrastructure().processes();
        Path root = pipeline.infrastructure().root();
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            Launcher.printEndpoints(pipeline, new PrintStream(buffer, true, StandardCharsets.UTF_8));
            String printed = buffer.toString(StandardCharsets.UTF_8);

            assertThat(printed).contains("sslmode=verify-full", pipeline.infrastructure().kafka().bootstrapServers(),
                    pipeline.infrastructure().redis().url());
            assertThat(printed).as("no private key material is printed, only its path").doesNotContain("PRIVATE KEY");

            assertThat(printed).as("passwords stay in their 0600 file")
                    .doesNotContain(pipeline.password(io.cdcpipeline.schema.Role.APP_USER));
            try (Connection app = DriverManager.getConnection(pipeline.database().jdbcUrl(), "app_user",
                    pipeline.password(io.cdcpipeline.schema.Role.APP_USER)); Statement s = app.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM app.articles")) {
                rs.next();
                assertThat(rs.getInt(1)).as("the schema is migrated and app_user can use it").isZero();
            }

            // The capture runs: a change reaches Kafka.
            try (Connection app = DriverManager.getConnection(pipeline.database().jdbcUrl(), "app_user",
                    pipeline.password(io.cdcpipeline.schema.Role.APP_USER)); Statement s = app.createStatement()) {
                app.setAutoCommit(false);
                s.execute("SET LOCAL app.org_id = '1'");
                s.execute("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'Launcher', 'launcher')");
                app.commit();
            }
            var records = pipeline.infrastructure().kafka().topics().drain("blog.app.organizations", 1, java.time.Duration.ofSeconds(60));
            assertThat(records).as("captured by the launcher's cdc-capture").hasSize(1);
            assertThat(printed).contains("cdc-capture metrics", "audit-sink metrics", "analytics-aggregator metrics",
                    "cache-invalidator metrics");
            // And audit-sink recorded it, with the actor.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            long audited = 0;
            while (audited == 0 && System.nanoTime() < deadline) {
                try (Connection su = pipeline.database().superuserConnection(); Statement q = su.createStatement();
                     ResultSet rs = q.executeQuery("SELECT count(*) FROM audit.changes_with_actor WHERE source_table ="
                             + " 'app.organizations' AND db_user = 'app_user'")) {
                    rs.next();
                    audited = rs.getLong(1);
                }
                Thread.sleep(200);
            }
            assertThat(audited).as("the launcher's audit-sink wrote the change with its actor").isOne();

            // The demo application reads through the cache; a committed change reaches its readers.
            DemoWorkload demo = pipeline.startDemo(java.time.Duration.ofMillis(20));
            long article = DemoWorkload.articleId(1);
            try (RedisClient redis = RedisClient.create(
                    pipeline.infrastructure().redis().host(), pipeline.infrastructure().redis().port())) {
                org.awaitility.Awaitility.await("the demo cached an article").atMost(java.time.Duration.ofSeconds(30))
                        .until(() -> redis.exists("article:" + article));
            }
            try (Connection app = DriverManager.getConnection(pipeline.database().jdbcUrl(), "app_user",
                    pipeline.password(io.cdcpipeline.schema.Role.APP_USER)); Statement s = app.createStatement()) {
                app.setAutoCommit(false);
                s.execute("SET LOCAL app.org_id = '" + DemoWorkload.ORG + "'");
                assertThat(s.executeUpdate("UPDATE app.articles SET status = 'archived' WHERE id = " + article)).isOne();
                app.commit();
            }
            org.awaitility.Awaitility.await("the launcher's cache-invalidator removed the stale entry")
                    .atMost(java.time.Duration.ofSeconds(30)).until(() -> demo.read(article).status().equals("archived"));

            String url = pipeline.endpoints().get("PostgreSQL JDBC URL");
            var cert = pipeline.infrastructure().tls().client(PostgresServer.SUPERUSER);
            try (Connection c = DriverManager.getConnection(url + "&user=postgres&sslcert=" + cert.certificate()
                    + "&sslkey=" + cert.privateKey()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_database()")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo(LocalPipeline.DATABASE);
            }
        } finally {
            pipeline.close();
        }
        assertThat(processes).noneMatch(ProcessHandle::isAlive);
        assertThat(Files.exists(root)).isFalse();
    }
}
