package io.cdcpipeline.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.cdcpipeline.audit.checkpoint.CheckpointFiles;
import io.cdcpipeline.audit.checkpoint.CheckpointKeys;
import io.cdcpipeline.audit.checkpoint.CheckpointTopic;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.ConnectionSettings;
import io.cdcpipeline.common.kafka.KafkaSettings;

/**
 * What {@code verify} checks, from its settings: the log's database (as a role that may read it),
 * the public keys the checkpoints must be signed with, the checkpoint files and topic, and the
 * change topics (to name rewritten rows). Shared by the one-shot command and the scheduled service.
 */
record VerificationTarget(ConnectionSettings database, Optional<KafkaSettings> kafka, Path publicKeyFile,
                          Optional<Path> checkpointDirectory, String checkpointTopic, EnvelopeParser parser) {

    /** Reads the settings; the caller validates them (so its own settings are reported together). */
    static VerificationTarget read(Settings settings, String clientName) {
        String prefix = KafkaSettings.topicPrefix(settings, AuditSinkConfig.AUDIT_TOPIC_PREFIX);
        return new VerificationTarget(ConnectionSettings.read(settings, clientName),
                // With the security settings: verify reads the change topics and checkpoints like any other client.
                settings.optional(KafkaSettings.KAFKA_BOOTSTRAP_SERVERS).map(bootstrap -> KafkaSettings.read(settings)),
                settings.required(AuditSinkConfig.AUDIT_CHECKPOINT_PUBLIC_KEY_FILE),
                settings.optional(AuditSinkConfig.AUDIT_CHECKPOINT_DIR).map(Path::of),
                AuditSinkConfig.checkpointTopic(settings, prefix), AuditSinkConfig.parser(settings));
    }

    /** The signed checkpoints: from the directory and the topic, each when configured. */
    CheckpointEvidence evidence() throws IOException {
        List<PublicKey> keys = CheckpointKeys.readPublic(publicKeyFile);
        if (checkpointDirectory.isPresent() && !Files.isDirectory(checkpointDirectory.get())) {
            throw new IOException("the checkpoint directory " + checkpointDirectory.get() + " does not exist");
        }
        // The topic first, then the files: the sink appends a checkpoint to its file before it sends
        // it to the topic, so whatever this reads on the topic is in the files read after it. In the
        // other order, a checkpoint published between the two reads looked like a removed file.
        CheckpointTopic.Contents topic = kafka.map(k -> CheckpointTopic.read(k, checkpointTopic)).orElse(null);
        CheckpointFiles.Contents files = null;
        if (checkpointDirectory.isPresent()) {
            files = CheckpointFiles.read(checkpointDirectory.get());
        }
        if (files == null && topic == null) {
            return CheckpointEvidence.none();
        }
        return CheckpointEvidence.of(keys, files, topic);
    }

    ChainVerifier.Report verify(Optional<Instant> from, Optional<String> table) throws SQLException, IOException {
        return verify(from, table, evidence());
    }

    /** Against checkpoints the caller has read already. */
    ChainVerifier.Report verify(Optional<Instant> from, Optional<String> table, CheckpointEvidence evidence) throws SQLException {
        TamperLocator locator = kafka.map(k -> new TamperLocator(k, parser)).orElse(null);
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(), database.driverProperties())) {
            return ChainVerifier.verify(c, from, table, evidence, locator);
        }
    }
}
