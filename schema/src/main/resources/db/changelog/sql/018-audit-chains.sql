--liquibase formatted sql

--changeset cdc:018-audit-chains
--comment: a hash chain belongs to the log, not to a consumer group. One row per Kafka (topic, partition) holds the next offset to read, the chain's head (offset, hash, row count), the group that writes it and when it last did (a second group is refused while the first is active, never forked), and the last signed checkpoint, which the next checkpoint names as its predecessor. Filled from the per-group positions (the most advanced group) and each chain's last row in the log; the per-group table goes.
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:0 SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'audit' AND c.relname = 'chains'
CREATE TABLE audit.chains (
    chain_topic        text NOT NULL,
    chain_partition    integer NOT NULL,
    next_offset        bigint NOT NULL,
    head_offset        bigint,
    head_hash          bytea,
    row_count          bigint NOT NULL DEFAULT 0,
    writer_group       text,
    written_at         timestamptz,
    checkpoint_offset  bigint,
    checkpoint_hash    bytea,
    PRIMARY KEY (chain_topic, chain_partition)
);
WITH positions AS (
    SELECT topic, kafka_partition, max(next_offset) AS next_offset, max(updated_at) AS written_at,
           (array_agg(consumer_group ORDER BY next_offset DESC))[1] AS writer_group
      FROM audit.consumer_positions
     GROUP BY topic, kafka_partition
)
INSERT INTO audit.chains (chain_topic, chain_partition, next_offset, head_offset, head_hash, row_count, writer_group, written_at)
SELECT p.topic, p.kafka_partition, p.next_offset, l.chain_offset, l.row_hash,
       (SELECT count(*) FROM audit.change_log c WHERE c.chain_topic = p.topic AND c.chain_partition = p.kafka_partition),
       p.writer_group, p.written_at
  FROM positions p
  LEFT JOIN LATERAL (SELECT c.chain_offset, c.row_hash FROM audit.change_log c
                      WHERE c.chain_topic = p.topic AND c.chain_partition = p.kafka_partition
                      ORDER BY c.chain_offset DESC LIMIT 1) l ON true;
GRANT SELECT, INSERT, UPDATE ON audit.chains TO audit_user;
DROP TABLE audit.consumer_positions;
--rollback CREATE TABLE audit.consumer_positions (consumer_group text NOT NULL, topic text NOT NULL, kafka_partition integer NOT NULL, next_offset bigint NOT NULL, chain_head bytea, updated_at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (consumer_group, topic, kafka_partition));
--rollback INSERT INTO audit.consumer_positions (consumer_group, topic, kafka_partition, next_offset, chain_head) SELECT coalesce(writer_group, 'audit-sink'), chain_topic, chain_partition, next_offset, head_hash FROM audit.chains;
--rollback GRANT SELECT, INSERT, UPDATE ON audit.consumer_positions TO audit_user;
--rollback DROP TABLE audit.chains;

--changeset cdc:018-audit-hash-version
--comment: the hash format of each row is part of the row and of what its hash covers (version 2: the version number first, then the version 1 fields), so the format can change while older rows still verify. Rows written before this change are version 1. A constant default: no rewrite.
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:0 SELECT count(*) FROM information_schema.columns WHERE table_schema = 'audit' AND table_name = 'change_log' AND column_name = 'hash_version'
ALTER TABLE audit.change_log ADD COLUMN hash_version smallint NOT NULL DEFAULT 1;
--rollback ALTER TABLE audit.change_log DROP COLUMN hash_version;

--changeset cdc:018-audit-actors-chained
--comment: who acted is in a chain too: each audit.tx_context row is chained per partition of the message topic it came from, like the changes per partition of theirs, so a rewritten actor is detected like a rewritten change. Rows written before this change have no chain (hash_version NULL) and verify counts them as not covered. The sink reads back the chain's last row (head recovery) and the keys it deduplicates by.
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:0 SELECT count(*) FROM information_schema.columns WHERE table_schema = 'audit' AND table_name = 'tx_context' AND column_name = 'chain_topic'
ALTER TABLE audit.tx_context ADD COLUMN chain_topic text, ADD COLUMN chain_partition integer, ADD COLUMN chain_offset bigint,
    ADD COLUMN prev_hash bytea, ADD COLUMN row_hash bytea, ADD COLUMN hash_version smallint;
CREATE INDEX tx_context_chain ON audit.tx_context (chain_topic, chain_partition, chain_offset);
GRANT SELECT (chain_topic, chain_partition, chain_offset, row_hash) ON audit.change_log TO audit_user;
GRANT SELECT (chain_topic, chain_partition, chain_offset, row_hash) ON audit.tx_context TO audit_user;
--rollback REVOKE SELECT (chain_topic, chain_partition, chain_offset, row_hash) ON audit.tx_context FROM audit_user;
--rollback REVOKE SELECT (chain_topic, chain_partition, chain_offset, row_hash) ON audit.change_log FROM audit_user;
--rollback DROP INDEX audit.tx_context_chain;
--rollback ALTER TABLE audit.tx_context DROP COLUMN chain_topic, DROP COLUMN chain_partition, DROP COLUMN chain_offset, DROP COLUMN prev_hash, DROP COLUMN row_hash, DROP COLUMN hash_version;

--changeset cdc:018-audit-retention-own splitStatements:false
--comment: audit months are never dropped by the partition maintenance (schema partitions ensure --retain-months, schema maintain): audit-sink retain drops them, after verifying the log and signing a retention checkpoint of what it drops, so verify still proves the months that remain. Trimming article_views no longer shortens the audit history.
CREATE OR REPLACE FUNCTION maintenance.ensure_all_partitions(p_months_ahead integer DEFAULT NULL, p_retain_months integer DEFAULT NULL)
RETURNS TABLE (parent text, action text, partition_name text, detail text)
LANGUAGE plpgsql AS $fn$
DECLARE
    v record;
BEGIN
    FOR v IN SELECT m.parent, m.months_ahead, m.retain_months, n.nspname = 'audit' AS is_audit
               FROM maintenance.monthly_partitioned m
               JOIN pg_class c ON c.oid = m.parent JOIN pg_namespace n ON n.oid = c.relnamespace
              ORDER BY m.parent::text LOOP
        RETURN QUERY SELECT v.parent::text, e.action, e.partition_name, e.detail
          FROM maintenance.ensure_monthly_partitions(v.parent, coalesce(p_months_ahead, v.months_ahead),
                                                     CASE WHEN v.is_audit THEN NULL ELSE coalesce(p_retain_months, v.retain_months) END) e;
    END LOOP;
END
$fn$;
UPDATE maintenance.monthly_partitioned SET retain_months = NULL WHERE parent IN ('audit.change_log'::regclass, 'audit.tx_context'::regclass);
--rollback CREATE OR REPLACE FUNCTION maintenance.ensure_all_partitions(p_months_ahead integer DEFAULT NULL, p_retain_months integer DEFAULT NULL) RETURNS TABLE (parent text, action text, partition_name text, detail text) LANGUAGE sql AS $fn$ SELECT m.parent::text, e.action, e.partition_name, e.detail FROM maintenance.monthly_partitioned m CROSS JOIN LATERAL maintenance.ensure_monthly_partitions(m.parent, coalesce(p_months_ahead, m.months_ahead), coalesce(p_retain_months, m.retain_months)) e $fn$

--changeset cdc:018-audit-refusal-hint splitStatements:false
--comment: the refusal's hint named the partition maintenance, which no longer drops audit months
CREATE OR REPLACE FUNCTION audit.refuse_modification() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'audit tables are append-only: % on %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'old months are removed by dropping partitions, after signing what goes: audit-sink retain --months N';
END
$fn$;
--rollback SELECT 1
