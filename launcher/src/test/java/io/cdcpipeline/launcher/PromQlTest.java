package io.cdcpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void shouldFindTheMetricNamesOfAnExpression() {
        assertThat(PromQl.metricNames("sum by (service, pool) (rate(hikaricp_connections_timeout_total{job=~\"$job\"}[$__rate_interval]))"))
                .containsExactly("hikaricp_connections_timeout_total");
        assertThat(PromQl.metricNames("consumer_lag_records > 1000 and deriv(consumer_lag_records[10m]) > 0"))
                .containsExactly("consumer_lag_records");
        assertThat(PromQl.metricNames("pg_data_directory_free_bytes / pg_data_directory_total_bytes < 0.10"))
                .containsExactly("pg_data_directory_free_bytes", "pg_data_directory_total_bytes");
        assertThat(PromQl.metricNames("pg_replication_slots_retained_bytes > 4 * 1024 * 1e9 or up{a=\"b or c\"} == 0"))
                .containsExactly("pg_replication_slots_retained_bytes", "up");
        assertThat(PromQl.metricNames("time() - min(x_seconds{job=~\"$job\"} > 0) + max without (instance) (y)"))
                .containsExactly("x_seconds", "y");
        assertThat(PromQl.metricNames("label_values(pg_up, job)")).containsExactly("pg_up");
    }
}
