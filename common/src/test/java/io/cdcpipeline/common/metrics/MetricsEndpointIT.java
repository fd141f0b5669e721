package io.cdcpipeline.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.db.Database;
import io.cdcpipeline.common.db.DatabaseConfig;
import io.cdcpipeline.common.db.Priority;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.TcpForwarder;
import io.cdcpipeline.testkit.TestDatabase;

class MetricsEndpointIT {

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(MetricsServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldExposePoolGaugesAndTurnNotReadyWhenTheDatabaseIsUnreachable() throws Exception {
        TestDatabase db = EmbeddedInfrastructure.shared().postgres().createDatabase("metrics");
        // The service reaches the database through a relay we can cut: a network outage.
        TcpForwarder network = TcpForwarder.start("127.0.0.1", "localhost", db.server().port());
        Map<String, String> env = new HashMap<>(db.superuserEnv());
        env.put("DB_HOST", "127.0.0.1");
        env.put("DB_PORT", Integer.toString(network.port()));
        env.put("DB_MIN_CONNECTIONS", "1");
        env.put("DB_MAX_CONNECTIONS", "3");
        env.put("DB_CONNECTION_TIMEOUT", "1000");

        try (MetricsServer server = MetricsServer.start(new MetricsConfig("127.0.0.1", 0), "metrics-test");
             Database database = Database.open(DatabaseConfig.fromEnv(env, "metrics-test"), server.registry(),
                     EnumSet.of(Priority.CRITICAL))) {
            server.addReadinessCheck("database", () -> database.isReachable(1000));

            HttpResponse<String> metrics = get(server, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("hikaricp_connections_active{", "hikaricp_connections_max{",
                    "hikaricp_connections_pending{", "pool=\"metrics-test-critical\"", "jvm_memory_used_bytes",
                    "service=\"metrics-test\"", "resilience4j_retry_calls");
            assertThat(get(server, "/health/live").statusCode()).isEqualTo(200);
            HttpResponse<String> ready = get(server, "/health/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("\"database\":true");

            network.close();

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                HttpResponse<String> notReady = get(server, "/health/ready");
                assertThat(notReady.statusCode()).isEqualTo(503);
                assertThat(notReady.body()).contains("\"database\":false");
            });
        } finally {
            network.close();
        }
    }
}
