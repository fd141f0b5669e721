package io.cdcpipeline.common.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.kafka.KafkaSettings.SaslMechanism;
import io.cdcpipeline.common.kafka.KafkaSettings.SecurityProtocol;

/**
 * The Kafka client properties of the KAFKA_SECURITY_PROTOCOL, KAFKA_SSL_*, KAFKA_SASL_* and
 * KAFKA_CLIENT_PROPERTIES_FILE settings. Certificates are PEM (Kafka's {@code PEM} store type): the
 * CA file by location, the client's chain and key inline, so no Java key store is needed.
 * Host names are verified ({@code ssl.endpoint.identification.algorithm} keeps Kafka's default,
 * {@code https}).
 */
final class KafkaSecurity {

    private KafkaSecurity() {
    }

    static Map<String, String> read(Settings s) {
        Map<String, String> props = new TreeMap<>();
        Optional<Path> file = s.optional(KafkaSettings.KAFKA_CLIENT_PROPERTIES_FILE);
        file.ifPresent(f -> props.putAll(load(s, f)));
        SecurityProtocol protocol = s.required(KafkaSettings.KAFKA_SECURITY_PROTOCOL);
        Optional<Path> ca = s.optional(KafkaSettings.KAFKA_SSL_CA_FILE);
        Optional<Path> cert = s.optional(KafkaSettings.KAFKA_SSL_CERT_FILE);
        Optional<Path> key = s.optional(KafkaSettings.KAFKA_SSL_KEY_FILE);
        Optional<String> user = s.optional(KafkaSettings.KAFKA_SASL_USERNAME);
        Optional<String> password = s.optional(KafkaSettings.KAFKA_SASL_PASSWORD);
        if (protocol == null) {
            return props;
        }
        boolean tls = protocol != SecurityProtocol.PLAINTEXT;
        boolean sasl = protocol == SecurityProtocol.SASL_SSL;
        if (!tls && (isSet(s, KafkaSettings.KAFKA_SSL_CA_FILE.name()) || isSet(s, KafkaSettings.KAFKA_SSL_CERT_FILE.name()) || isSet(s, KafkaSettings.KAFKA_SSL_KEY_FILE.name()))) {
            s.problem("KAFKA_SSL_* is set but KAFKA_SECURITY_PROTOCOL is plaintext: set it to ssl or sasl-ssl");
        }
        if (!sasl && (isSet(s, KafkaSettings.KAFKA_SASL_USERNAME.name()) || isSet(s, KafkaSettings.KAFKA_SASL_PASSWORD.name())
                || isSet(s, Settings.fileVariant(KafkaSettings.KAFKA_SASL_PASSWORD)))) {
            s.problem("KAFKA_SASL_USERNAME/PASSWORD are set but KAFKA_SECURITY_PROTOCOL is not sasl-ssl");
        }
        if (isSet(s, KafkaSettings.KAFKA_SSL_CERT_FILE.name()) != isSet(s, KafkaSettings.KAFKA_SSL_KEY_FILE.name())) {
            s.problem("KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (mutual TLS): set both or neither");
        }
        props.put("security.protocol", protocol.name());
        if (tls) {
            ca.ifPresent(f -> {
                props.put("ssl.truststore.type", "PEM");
                props.put("ssl.truststore.location", f.toString());
            });
            if (cert.isPresent() && key.isPresent()) {
                props.put("ssl.keystore.type", "PEM");
                props.put("ssl.keystore.certificate.chain", text(s, KafkaSettings.KAFKA_SSL_CERT_FILE.name(), cert.get()));
                props.put("ssl.keystore.key", text(s, KafkaSettings.KAFKA_SSL_KEY_FILE.name(), key.get()));
            }
        }
        if (sasl) {
            if (user.isEmpty() || password.isEmpty()) {
                s.problem("KAFKA_SECURITY_PROTOCOL=sasl-ssl needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or"
                        + " KAFKA_SASL_PASSWORD_FILE)");
            } else {
                SaslMechanism mechanism = s.required(KafkaSettings.KAFKA_SASL_MECHANISM);
                props.put("sasl.mechanism", mechanism.name().replace('_', '-'));
                String module = mechanism == SaslMechanism.PLAIN ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                        : "org.apache.kafka.common.security.scram.ScramLoginModule";
                props.put("sasl.jaas.config", module + " required username=\"" + jaasEscape(user.get()) + "\" password=\""
                        + jaasEscape(password.get()) + "\";");
            }
        }
        return props;
    }

    private static boolean isSet(Settings s, String name) {
        String raw = s.raw(name);
        return raw != null && !raw.isBlank();
    }

    private static String text(Settings s, String variable, Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            s.problem(variable + " cannot be read: " + e.getClass().getSimpleName());
            return "";
        }
    }

    private static Map<String, String> load(Settings s, Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException | IllegalArgumentException e) {
            s.problem("KAFKA_CLIENT_PROPERTIES_FILE='" + file + "' cannot be read as Java properties: " + e.getMessage());
        }
        Map<String, String> props = new TreeMap<>();
        p.stringPropertyNames().forEach(name -> props.put(name, p.getProperty(name)));
        return props;
    }

    /** Inside a JAAS quoted string, a quote or backslash is escaped with a backslash. */
    private static String jaasEscape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
