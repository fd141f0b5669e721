package io.cdcpipeline.common.metrics;

import java.util.List;

import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;

/** Where a service serves {@code /metrics} and {@code /health/*}. */
public record MetricsConfig(String bindAddress, int port) {

    public static final Setting<String> METRICS_BIND = Setting.string("METRICS_BIND",
            "address the metrics and health endpoint listens on").withDefault("0.0.0.0");

    public static Setting<Integer> metricsPort(int defaultPort) {
        return Setting.integer("METRICS_PORT", "port of /metrics, /health/live, /health/ready (0 = any free port)")
                .withDefault(Integer.toString(defaultPort)).between(0, 65535);
    }

    public static List<Setting<?>> settings(int defaultPort) {
        return List.of(METRICS_BIND, metricsPort(defaultPort));
    }

    public static MetricsConfig read(Settings settings, int defaultPort) {
        String bind = settings.required(METRICS_BIND);
        Integer port = settings.required(metricsPort(defaultPort));
        return new MetricsConfig(bind, port == null ? 0 : port);
    }
}
