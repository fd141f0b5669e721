package io.cdcpipeline.capture;

import java.util.Properties;

/**
 * The Debezium engine's configuration, derived from {@link CaptureConfig}. Pure: unit-tested
 * without a server.
 */
public final class DebeziumProperties {

    /** Written by the engine at each heartbeat: generates WAL in the captured database so the slot advances. */
    static final String HEARTBEAT_QUERY = "UPDATE cdc.heartbeat SET beat_at = now() WHERE id = 1";
    static final String SIGNAL_TABLE = "cdc.signal";
    static final String AUDIT_CONTEXT_PREFIX = "audit.context";

    private DebeziumProperties() {
    }

    public static Properties from(CaptureConfig c) {
        Properties p = new Properties();
        p.setProperty("name", "cdc-capture-" + c.topicPrefix());
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");

        // Position stored in Kafka, never on local disk: any instance can resume.
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        p.setProperty("bootstrap.servers", c.kafka().bootstrapServers());
        // TLS and SASL for the engine's own clients (the offset store's producer, consumer and admin).
        c.kafka().security().forEach(p::setProperty);
        p.setProperty("offset.storage.topic", c.offsetsTopic());
        p.setProperty("offset.storage.partitions", "1");
        // -1: the broker's default.replication.factor
        p.setProperty("offset.storage.replication.factor", c.topicReplicationFactor().map(String::valueOf).orElse("-1"));
        p.setProperty("offset.flush.interval.ms", Long.toString(c.offsetFlushInterval().toMillis()));
        p.setProperty("offset.flush.timeout.ms", "10000");

        p.setProperty("database.hostname", c.database().host());
        p.setProperty("database.port", Integer.toString(c.database().port()));
        p.setProperty("database.user", c.database().user());
        c.database().password().ifPresent(s -> p.setProperty("database.password", s.reveal()));
        p.setProperty("database.dbname", c.database().database());
        p.setProperty("database.sslmode", c.database().sslMode().pgValue());
        c.database().sslRootCert().ifPresent(f -> p.setProperty("database.sslrootcert", f.toString()));
        c.database().sslCert().ifPresent(f -> p.setProperty("database.sslcert", f.toString()));
        c.database().sslKey().ifPresent(f -> p.setProperty("database.sslkey", f.toString()));
        p.setProperty("database.tcpKeepAlive", "true");
        p.setProperty("database.applicationName", "cdc-capture");

        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("publication.name", c.publication());
        // The schema module owns the publication: cdc_user needs no table ownership.
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("slot.name", c.slotName());
        p.setProperty("slot.drop.on.stop", "false");
        // A standby taking over waits for the dead active's walsender to go (wal_sender_timeout).
        p.setProperty("slot.max.retries", "60");
        p.setProperty("slot.retry.delay.ms", "1000");
        p.setProperty("snapshot.mode", c.snapshotMode().debeziumValue());

        p.setProperty("topic.prefix", c.topicPrefix());
        p.setProperty("table.include.list", c.tables());
        p.setProperty("column.exclude.list", c.excludedColumns());
        if (!c.maskedColumns().isBlank()) {
            p.setProperty("column.mask.hash.v2.SHA-256.with.salt." + c.maskSalt().orElseThrow().reveal(), c.maskedColumns());
        }
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("provide.transaction.metadata", "true");
        p.setProperty("message.prefix.include.list", AUDIT_CONTEXT_PREFIX.replace(".", "\\."));
        p.setProperty("tombstones.on.delete", "true");
        // TRUNCATE is a change like any other (Debezium skips it by default): the audit log records
        // it, analytics clears the table's counts, the cache drops the table's keys.
        p.setProperty("skipped.operations", "none");
        p.setProperty("heartbeat.interval.ms", Long.toString(c.heartbeatInterval().toMillis()));
        p.setProperty("heartbeat.action.query", HEARTBEAT_QUERY);
        p.setProperty("signal.data.collection", SIGNAL_TABLE);
        p.setProperty("signal.enabled.channels", "source");

        p.setProperty("converter.schemas.enable", Boolean.toString(c.jsonWithSchemas()));
        p.setProperty("key.converter.schemas.enable", Boolean.toString(c.jsonWithSchemas()));
        p.setProperty("value.converter.schemas.enable", Boolean.toString(c.jsonWithSchemas()));

        // The connector restarts itself when PostgreSQL goes away mid-stream, forever, with backoff.
        p.setProperty("errors.max.retries", "-1");
        p.setProperty("errors.retry.delay.initial.ms", "500");
        p.setProperty("errors.retry.delay.max.ms", "10000");
        p.setProperty("retriable.restart.connector.wait.ms", "2000");
        // 3.6.1's default record pool never grows past one thread (dbz#2263): say it explicitly.
        p.setProperty("record.processing.threads", "2");
        p.setProperty("max.batch.size", "4096");
        p.setProperty("max.queue.size", "16384");
        // Both the streaming source (no message on the replication stream) and the engine (empty
        // queue) sleep this long before looking again: at Debezium's 500 ms default, or even 50,
        // it is most of commit -> Kafka at low and moderate rates. Under load neither sleeps.
        p.setProperty("poll.interval.ms", Long.toString(c.pollInterval().toMillis()));
        return p;
    }

    /** The properties with secrets replaced, for logs. */
    static Properties redacted(Properties p) {
        Properties copy = new Properties();
        p.forEach((k, v) -> {
            String key = k.toString();
            boolean secret = io.cdcpipeline.common.kafka.KafkaSettings.isSecretProperty(key) || key.startsWith("column.mask.hash");
            copy.setProperty(secret && key.startsWith("column.mask.hash") ? "column.mask.hash.v2.SHA-256.with.salt.********" : key,
                    secret && !key.startsWith("column.mask.hash") ? "********" : v.toString());
        });
        return copy;
    }
}
