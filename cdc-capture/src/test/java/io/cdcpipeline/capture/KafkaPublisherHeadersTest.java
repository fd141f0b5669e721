package io.cdcpipeline.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.Header;

/** The headers Debezium sets on a record are kept on the topic. */
class KafkaPublisherHeadersTest {

    private record FakeHeader(String getKey, Object getValue) implements Header<Object> {
    }

    @Test
    void shouldKeepEveryHeaderAsText() {
        ChangeEvent<String, String> event = new ChangeEvent<>() {
            @Override
            public String key() {
                return "{\"id\":1}";
            }

            @Override
            public String value() {
                return "{}";
            }

            @Override
            @SuppressWarnings("unchecked")
            public <H> List<Header<H>> headers() {
                return List.of((Header<H>) (Header<?>) new FakeHeader("__debezium.context.connectorName", "\"blog\""),
                        (Header<H>) (Header<?>) new FakeHeader("empty", null));
            }

            @Override
            public String destination() {
                return "blog.app.tags";
            }

            @Override
            public Integer partition() {
                return null;
            }
        };

        Headers headers = KafkaPublisher.headers(event);

        assertThat(new String(headers.lastHeader("__debezium.context.connectorName").value(), StandardCharsets.UTF_8))
                .isEqualTo("\"blog\"");
        assertThat(headers.lastHeader("empty").value()).isNull();
    }
}
