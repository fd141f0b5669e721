package io.cdcpipeline.common.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;

/**
 * Where Kafka is and how to reach it safely, for every Kafka client of every service (producers,
 * consumers, admin clients, Kafka Streams, Debezium's offset store): TLS with server verification,
 * mutual TLS, SASL/SCRAM over TLS, and a file of any other client property.
 *
 * @param security the client properties the KAFKA_SECURITY_PROTOCOL, KAFKA_SSL_* and KAFKA_SASL_*
 *                 settings (and KAFKA_CLIENT_PROPERTIES_FILE) give; secrets among them are Kafka
 *                 {@code Password} types, which clients never log
 */
public record KafkaSettings(String bootstrapServers, Map<String, String> security, GroupMembership membership) {

    /** How clients talk to the brokers. */
    public enum SecurityProtocol { PLAINTEXT, SSL, SASL_SSL }

    /** How SASL_SSL clients prove who they are. */
    public enum SaslMechanism { SCRAM_SHA_512, SCRAM_SHA_256, PLAIN }

    public KafkaSettings(String bootstrapServers) {
        this(bootstrapServers, Map.of());
    }

    public KafkaSettings(String bootstrapServers, Map<String, String> security) {
        this(bootstrapServers, security, GroupMembership.DEFAULT);
    }

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

    public static final Setting<SecurityProtocol> KAFKA_SECURITY_PROTOCOL = Setting.oneOf("KAFKA_SECURITY_PROTOCOL",
            SecurityProtocol.class, "plaintext: no encryption (a private network only); ssl: TLS, the brokers' certificates"
                    + " verified against KAFKA_SSL_CA_FILE (or the JVM's trust store) and their host names; sasl-ssl: the same,"
                    + " and the client logs in with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD").withDefault("plaintext");
    public static final Setting<java.nio.file.Path> KAFKA_SSL_CA_FILE = Setting.readableFile("KAFKA_SSL_CA_FILE",
            "PEM certificate(s) of the CA the brokers' certificates chain to (ssl, sasl-ssl); unset: the JVM's trust store");
    public static final Setting<java.nio.file.Path> KAFKA_SSL_CERT_FILE = Setting.readableFile("KAFKA_SSL_CERT_FILE",
            "PEM certificate chain of this client, for brokers that require client certificates (mutual TLS; with"
                    + " KAFKA_SSL_KEY_FILE)");
    public static final Setting<java.nio.file.Path> KAFKA_SSL_KEY_FILE = Setting.readableFile("KAFKA_SSL_KEY_FILE",
            "unencrypted PKCS#8 PEM private key of KAFKA_SSL_CERT_FILE (keep it readable by the service only)");
    public static final Setting<SaslMechanism> KAFKA_SASL_MECHANISM = Setting.oneOf("KAFKA_SASL_MECHANISM", SaslMechanism.class,
            "SASL mechanism of sasl-ssl").withDefault("scram-sha-512");
    public static final Setting<String> KAFKA_SASL_USERNAME = Setting.string("KAFKA_SASL_USERNAME",
            "user the client logs in as (sasl-ssl)");
    public static final Setting<String> KAFKA_SASL_PASSWORD = Setting.string("KAFKA_SASL_PASSWORD",
            "password of KAFKA_SASL_USERNAME").secret();
    public static final Setting<java.nio.file.Path> KAFKA_CLIENT_PROPERTIES_FILE = Setting.readableFile(
            "KAFKA_CLIENT_PROPERTIES_FILE", "Java properties file of any other Kafka client property, given to every client"
                    + " (the KAFKA_* settings above take precedence)");

    public static final List<Setting<?>> SETTINGS = List.of(KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC_PREFIX, KAFKA_REPLICATION_FACTOR,
            KAFKA_SECURITY_PROTOCOL, KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE, KAFKA_SASL_MECHANISM,
            KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_CLIENT_PROPERTIES_FILE, GroupMembership.KAFKA_GROUP_INSTANCE_ID,
            GroupMembership.KAFKA_SESSION_TIMEOUT);

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
        String bootstrap = settings.required(KAFKA_BOOTSTRAP_SERVERS);
        return new KafkaSettings(bootstrap, KafkaSecurity.read(settings), GroupMembership.read(settings));
    }

    /** Whether a client property holds a secret (a key, a password, a JAAS line with one): never logged. */
    public static boolean isSecretProperty(String name) {
        return name.contains("password") || name.equals("sasl.jaas.config") || name.equals("ssl.keystore.key");
    }

    /** No secret in logs: the security properties by name only. */
    @Override
    public String toString() {
        return "KafkaSettings[bootstrapServers=" + bootstrapServers + ", security=" + security.keySet() + ", membership="
                + membership + "]";
    }

    /** Client properties every Kafka client of ours starts from: where, who, and how securely. */
    public Map<String, Object> clientProperties(String clientId) {
        Map<String, Object> props = new HashMap<>(security);
        props.put("bootstrap.servers", bootstrapServers);
        props.put("client.id", clientId);
        return props;
    }

    /** The same, for a consumer in a group: its membership (static or not) and session. */
    public Map<String, Object> groupConsumerProperties(String clientId) {
        Map<String, Object> props = clientProperties(clientId);
        props.putAll(membership.consumerProperties());
        return props;
    }
}
