package io.cdcpipeline.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.capture.CaptureFixture;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.KafkaConnectWorker;
import io.cdcpipeline.testkit.PostgresServer;
import io.cdcpipeline.testkit.TestDatabase;

/**
 * The stock Debezium JDBC sink connector, in a stock Kafka Connect worker, reads our change topics
 * ({@code CAPTURE_JSON_SCHEMAS=true}, its only requirement) and mirrors the source tables into
 * another database: equal to the source, row for row, after a bulk COPY, a big transaction, key
 * changes, deletes and a TRUNCATE. No code of ours runs in the worker. With three partitions per
 * topic the same run loses rows written after the TRUNCATE (the sink truncates the whole table again
 * on each partition's copy), which is why the contract tells such sinks to use one partition.
 */
class StockJdbcSinkIT {

    private static final String CONNECTOR = "mirror";

    private static CaptureFixture f;
    private static CaptureFixture.InProcess capture;
    private static TestDatabase mirror;
    private static KafkaConnectWorker worker;

    @BeforeAll
    static void start() throws Exception {
        f = CaptureFixture.create("jdbc-sink");
        f.env.put("CAPTURE_JSON_SCHEMAS", "true");
        // The sink applies each copy of a TRUNCATE (one per partition) to the whole table: with more
        // partitions, a late copy would remove rows inserted after the TRUNCATE (docs/change-topics.md).
        f.env.put("CAPTURE_TOPIC_PARTITIONS", "1");
        capture = f.startInProcess();
        capture.awaitStreaming();
        PostgresServer postgres = EmbeddedInfrastructure.shared().postgres();
        mirror = postgres.createDatabase("mirror");
    }

    @AfterAll
    static void stop() throws Exception {
        if (worker != null) {
            worker.close();
        }
        if (capture != null) {
            capture.close();
        }
    }

    @Test
    void shouldMirrorTheSourceTablesThroughTheStockJdbcSink() throws Exception {
        // Half the workload before the worker starts (a backlog), half while it runs.
        ContractWorkload.run(f, 17);
        worker = KafkaConnectWorker.start(Path.of("target", "connect-" + f.prefix).toAbsolutePath(), f.kafka.bootstrapServers(),
                Map.of(), Map.of(CONNECTOR, sinkConfig()));
        f.sql("UPDATE app.articles SET title = 'after the worker started' WHERE id = 7",
                "INSERT INTO app.tags (id, org_id, name, slug) VALUES (5002, 1, 'late', 'late')");
        f.awaitPublished(Duration.ofSeconds(60));

        await("the mirror equals the source").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    worker.assertHealthy(CONNECTOR);
                    assertThat(differences()).isEmpty();
                });
        try (Connection m = mirror.superuserConnection()) {
            assertThat(TableSnapshot.of(m, "public.tags", null).rows()).as("only the rows written after the TRUNCATE")
                    .containsOnlyKeys(5000L, 5001L, 5002L);
        }
    }

    private static String differences() throws Exception {
        StringBuilder out = new StringBuilder();
        try (Connection source = f.db.superuserConnection(); Connection m = mirror.superuserConnection()) {
            for (String table : ContractWorkload.TABLES) {
                List<String> columns = TableSnapshot.columns(m, "public", table);
                if (columns.isEmpty()) {
                    out.append(table).append(": not created in the mirror yet\n");
                    continue;
                }
                String diff = TableSnapshot.of(m, "public." + table, columns)
                        .differencesFrom(TableSnapshot.of(source, "app." + table, columns));
                if (!diff.isEmpty()) {
                    out.append(table).append(": ").append(diff);
                }
            }
        }
        return out.toString();
    }

    /** What a user writes for this sink: our topics by regex, upserts by key, deletes and truncates applied. */
    private static Map<String, String> sinkConfig() {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector");
        config.put("tasks.max", "1");
        config.put("topics.regex", Pattern.quote(f.prefix) + "\\.app\\.(" + String.join("|", ContractWorkload.TABLES) + ")");
        config.put("connection.url", mirror.jdbcUrlWithClientCertificate(PostgresServer.SUPERUSER));
        config.put("connection.username", PostgresServer.SUPERUSER);
        config.put("insert.mode", "upsert");
        config.put("primary.key.mode", "record_key");
        config.put("delete.enabled", "true");
        config.put("truncate.enabled", "true");
        config.put("schema.evolution", "basic");
        config.put("collection.name.format", "${source.table}");
        config.put("consumer.override.auto.offset.reset", "earliest");
        return config;
    }
}
