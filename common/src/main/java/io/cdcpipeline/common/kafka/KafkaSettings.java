package io.cdcpipeline.common.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;

/** Where Kafka is, for every service's clients. */
public record KafkaSettings(String bootstrapServers) {

    public static final Setting<String> KAFKA_BOOTSTRAP_SERVERS = Setting.string("KAFKA_BOOTSTRAP_SERVERS",
            "comma-separated host:port of Kafka brokers").requiring(s -> s.matches("[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*"),
            "host:port[,host:port...]");

    public static final Setting<String> KAFKA_TOPIC_PREFIX = Setting.string("KAFKA_TOPIC_PREFIX",
            "prefix of the topic names, the same for every service: <prefix>.<schema>.<table>, <prefix>.transaction,"
                    + " <prefix>.message, <prefix>.audit-checkpoints (replaces CAPTURE_, AUDIT_, ANALYTICS_ and CACHE_TOPIC_PREFIX,"
                    + " still read with a warning)").withDefault("blog")
            .requiring(s -> s.matches("[A-Za-z0-9_-]+"), "letters, digits, '_' or '-'");
    public static final Setting<Integer> KAFKA_REPLICATION_FACTOR = Setting.integer("KAFKA_REPLICATION_FACTOR",
            "replication factor of the topics the services create; unset: the broker's default.replication.factor"
                    + " (replaces the services' *_REPLICATION_FACTOR settings, still read with a warning)")
            .between(1, 10);

    public static final List<Setting<?>> SETTINGS = List.of(KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC_PREFIX, KAFKA_REPLICATION_FACTOR);

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSettings.class);

    /**
     * {@code KAFKA_TOPIC_PREFIX}, or the service's former setting of it (CAPTURE_TOPIC_PREFIX and its
     * kind), which is still read, with a warning, when the new one is not set.
     */
    public static String topicPrefix(Settings settings, Setting<String> former) {
        if (isSet(settings, KAFKA_TOPIC_PREFIX) || !isSet(settings, former)) {
            return settings.required(KAFKA_TOPIC_PREFIX);
        }
        LOG.warn("{} is deprecated: set KAFKA_TOPIC_PREFIX (one prefix for every service)", former.name());
        return settings.required(former);
    }

    /**
     * {@code KAFKA_REPLICATION_FACTOR}, or the service's former setting of it (read with a warning);
     * empty when neither is set: topics get the broker's {@code default.replication.factor}, which
     * fits a cluster of any size.
     */
    public static Optional<Short> replicationFactor(Settings settings, Setting<Integer> former) {
        Setting<Integer> used = KAFKA_REPLICATION_FACTOR;
        if (!isSet(settings, KAFKA_REPLICATION_FACTOR) && isSet(settings, former)) {
            LOG.warn("{} is deprecated: set KAFKA_REPLICATION_FACTOR (one setting for every service)", former.name());
            used = former;
        }
        return settings.optional(used).map(Integer::shortValue);
    }

    private static boolean isSet(Settings settings, Setting<?> setting) {
        String raw = settings.raw(setting.name());
        return raw != null && !raw.isBlank();
    }

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
