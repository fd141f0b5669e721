package io.cdcpipeline.common.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;

/** Where Kafka is, for every service's clients. */
public record KafkaSettings(String bootstrapServers) {

    public static final Setting<String> KAFKA_BOOTSTRAP_SERVERS = Setting.string("KAFKA_BOOTSTRAP_SERVERS",
            "comma-separated host:port of Kafka brokers").requiring(s -> s.matches("[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*"),
            "host:port[,host:port...]");

    public static final List<Setting<?>> SETTINGS = List.of(KAFKA_BOOTSTRAP_SERVERS);

    public static KafkaSettings read(Settings settings) {
        return new KafkaSettings(settings.required(KAFKA_BOOTSTRAP_SERVERS));
    }

    /** Client properties every Kafka client of ours starts from. */
    public Map<String, Object> clientProperties(String clientId) {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrapServers);
        props.put("client.id", clientId);
        return props;
    }
}
