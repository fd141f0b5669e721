package io.cdcpipeline.common.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.cdcpipeline.common.service.DaemonThreads;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * One small HTTP endpoint per service: {@code /metrics} (Prometheus text format),
 * {@code /health/live} (the process runs) and {@code /health/ready} (every readiness check passes;
 * 503 otherwise, naming the failing checks). Every meter carries the tag {@code service}.
 *
 * <p>Thread-safe: readiness checks may be added at any time.
 */
public final class MetricsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);

    private final PrometheusMeterRegistry registry;
    private final HttpServer http;
    private final ExecutorService executor;
    private final Map<String, BooleanSupplier> readiness = new ConcurrentHashMap<>();
    private final JvmGcMetrics gcMetrics;

    private MetricsServer(PrometheusMeterRegistry registry, HttpServer http, ExecutorService executor, JvmGcMetrics gcMetrics) {
        this.registry = registry;
        this.http = http;
        this.executor = executor;
        this.gcMetrics = gcMetrics;
    }

    public static MetricsServer start(MetricsConfig config, String service) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(java.util.List.of(Tag.of("service", service)));
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress(config.bindAddress(), config.port()), 16);
            ExecutorService executor = Executors.newFixedThreadPool(2, DaemonThreads.named(service + "-metrics-http"));
            http.setExecutor(executor);
            MetricsServer server = new MetricsServer(registry, http, executor, gc);
            http.createContext("/metrics", server::metrics);
            http.createContext("/health/live", exchange -> respond(exchange, 200, "{\"status\":\"UP\"}", "application/json"));
            http.createContext("/health/ready", server::ready);
            http.start();
            LOG.info("{}: metrics and health on http://{}:{}/", service, config.bindAddress(), server.port());
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + config.bindAddress() + ":" + config.port()
                    + " for metrics (METRICS_BIND / METRICS_PORT)", e);
        }
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** Adds a named check that must pass for {@code /health/ready} to answer 200. */
    public void addReadinessCheck(String name, BooleanSupplier check) {
        readiness.put(name, check);
    }

    /** Evaluates every readiness check now; a check that throws counts as failing. */
    public Map<String, Boolean> readiness() {
        Map<String, Boolean> results = new java.util.TreeMap<>();
        readiness.forEach((name, check) -> {
            boolean ok;
            try {
                ok = check.getAsBoolean();
            } catch (RuntimeException e) {
                ok = false;
            }
            results.put(name, ok);
        });
        return results;
    }

    private void metrics(HttpExchange exchange) throws IOException {
        String text;
        try {
            text = registry.scrape();
        } catch (RuntimeException e) {
            // Without this the JDK server drops the connection silently and Prometheus sees only "EOF".
            LOG.error("cannot render /metrics: {}", e.toString(), e);
            respond(exchange, 500, "cannot render metrics: " + e + "\n", "text/plain; charset=utf-8");
            return;
        }
        respond(exchange, 200, text, "text/plain; version=0.0.4; charset=utf-8");
    }

    private void ready(HttpExchange exchange) throws IOException {
        Map<String, Boolean> results = readiness();
        // Not ready until the service has said what ready means: the endpoint starts before the wiring is done.
        boolean ready = !results.isEmpty() && results.values().stream().allMatch(Boolean::booleanValue);
        StringBuilder body = new StringBuilder("{\"status\":\"").append(ready ? "UP" : "DOWN").append("\",\"checks\":{");
        String separator = "";
        for (Map.Entry<String, Boolean> e : results.entrySet()) {
            body.append(separator).append('"').append(e.getKey()).append("\":").append(e.getValue());
            separator = ",";
        }
        body.append("}}");
        respond(exchange, ready ? 200 : 503, body.toString(), "application/json");
    }

    private static void respond(HttpExchange exchange, int status, String body, String contentType) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        gcMetrics.close();
        registry.close();
    }
}
