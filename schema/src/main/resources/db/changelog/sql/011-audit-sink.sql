--liquibase formatted sql

--changeset cdc:011-positions-source-order
--comment: the sink remembers, per Kafka partition, the source order (last commit LSN, LSN) of the last change it wrote, so events republished by a restarted capture are recognised without reading the log
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:0 SELECT count(*) FROM information_schema.columns WHERE table_schema = 'audit' AND table_name = 'consumer_positions' AND column_name = 'last_commit_lsn'
ALTER TABLE audit.consumer_positions ADD COLUMN last_commit_lsn bigint, ADD COLUMN last_lsn bigint;
--rollback ALTER TABLE audit.consumer_positions DROP COLUMN last_lsn, DROP COLUMN last_commit_lsn;

--changeset cdc:011-sink-reads-source-keys
--comment: when a duplicate slips through, the sink looks up which source positions already exist: it may read the key columns, never the row contents
GRANT SELECT (source_lsn, source_table, primary_key, committed_at) ON audit.change_log TO audit_user;
-- INSERT ... ON CONFLICT (tx_id, committed_at) DO NOTHING needs to read the conflict target.
GRANT SELECT (tx_id, committed_at) ON audit.tx_context TO audit_user;
--rollback REVOKE SELECT (tx_id, committed_at) ON audit.tx_context FROM audit_user;
--rollback REVOKE SELECT (source_lsn, source_table, primary_key, committed_at) ON audit.change_log FROM audit_user;
