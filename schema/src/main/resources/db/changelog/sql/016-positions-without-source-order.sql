--liquibase formatted sql

--changeset cdc:016-positions-drop-source-order
--comment: the sink no longer skips a change because its source order (last commit LSN, LSN) is at or below the last one written: different changes share one LSN (a COPY multi-insert record, the delete and create of a key-changing update, snapshot rows), so that rule dropped real changes. Duplicates are recognised by identity (the Kafka position, then the log's unique source key); the columns that held the order go.
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:2 SELECT count(*) FROM information_schema.columns WHERE table_schema = 'audit' AND table_name = 'consumer_positions' AND column_name IN ('last_commit_lsn', 'last_lsn')
ALTER TABLE audit.consumer_positions DROP COLUMN last_commit_lsn, DROP COLUMN last_lsn;
--rollback ALTER TABLE audit.consumer_positions ADD COLUMN last_commit_lsn bigint, ADD COLUMN last_lsn bigint;
