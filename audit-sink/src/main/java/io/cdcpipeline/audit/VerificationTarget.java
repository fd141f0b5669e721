package io.cdcpipeline.audit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.ConnectionSettings;
import io.cdcpipeline.common.kafka.KafkaSettings;

/**
 * What {@code verify} checks, from its settings: the log's database (as a role that may read it)
 * and, when Kafka is configured, the chain heads the sink of {@code AUDIT_CONSUMER_GROUP}
 * published. Shared by the one-shot command and the scheduled service.
 */
record VerificationTarget(ConnectionSettings database, Optional<String> bootstrapServers, String consumerGroup) {

    /** Reads the settings; the caller validates them (so its own settings are reported together). */
    static VerificationTarget read(Settings settings, String clientName) {
        return new VerificationTarget(ConnectionSettings.read(settings, clientName),
                settings.optional(KafkaSettings.KAFKA_BOOTSTRAP_SERVERS), settings.required(AuditSinkConfig.AUDIT_CONSUMER_GROUP));
    }

    /** The published chain heads by "topic/partition"; empty without Kafka (then a removed tail goes unnoticed). */
    Map<String, ChainHeads.Head> publishedHeads() {
        return bootstrapServers.map(b -> ChainHeads.read(new KafkaSettings(b), AuditSinkConfig.chainHeadsTopic(consumerGroup)))
                .orElse(Map.of());
    }

    ChainVerifier.Report verify(Optional<Instant> from, Optional<String> table, Map<String, ChainHeads.Head> heads)
            throws SQLException {
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(), database.driverProperties())) {
            return ChainVerifier.verify(c, from, table, heads);
        }
    }
}
