--liquibase formatted sql

--changeset cdc:020-audit-source-key-by-row splitStatements:false
--comment: the unique source key (LSN, table, primary key, commit time) turned around to (table, primary key, LSN, commit time): the same uniqueness, and now also the index that finds one row's changes (the history functions below, `audit history`) without a B-tree more for every COPYed row. The sink's duplicate lookup asks by (table, key, LSN) too. Rebuilds an index on every partition, locking writes while it does: apply in a quiet moment on a large log.
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:1 SELECT count(*) FROM pg_constraint WHERE conrelid = 'audit.change_log'::regclass AND contype = 'u'
DO $do$
DECLARE
    old_key text;
BEGIN
    SELECT conname INTO old_key FROM pg_constraint WHERE conrelid = 'audit.change_log'::regclass AND contype = 'u';
    EXECUTE format('ALTER TABLE audit.change_log DROP CONSTRAINT %I', old_key);
END
$do$;
ALTER TABLE audit.change_log ADD CONSTRAINT change_log_source_key UNIQUE (source_table, primary_key, source_lsn, committed_at);
--rollback ALTER TABLE audit.change_log DROP CONSTRAINT change_log_source_key;
--rollback ALTER TABLE audit.change_log ADD UNIQUE (source_lsn, source_table, primary_key, committed_at);

--changeset cdc:020-audit-row-history splitStatements:false
--comment: one row's history as a set-returning function: every change of the row with the key p_key in p_table (schema.table), oldest first, with its actor (audit.tx_context), plus every TRUNCATE of the table (a TRUNCATE removes the row too; its key is the empty object). other_key is the row's other key when the change is half of a key change (Debezium sends a key-changing UPDATE as a delete of the old key and a create of the new one, at the same LSN): follow it to go on with the row's history. SECURITY DEFINER, so read_only_user may call it without reading the audit tables themselves.
CREATE FUNCTION audit.row_history(p_table text, p_key jsonb)
RETURNS TABLE (committed_at timestamptz, op char(1), primary_key jsonb, before jsonb, after jsonb, changed_columns text[],
               tx_id bigint, source_lsn bigint, db_user text, app_user text, app_org text, application_name text,
               other_key jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT l.committed_at, l.op, l.primary_key, l.before, l.after, l.changed_columns, l.tx_id, l.source_lsn,
           c.db_user, c.app_user, c.app_org, c.application_name, k.primary_key
      FROM audit.change_log l
      LEFT JOIN audit.tx_context c ON c.tx_id = l.tx_id AND c.committed_at = l.committed_at
      LEFT JOIN LATERAL (
            SELECT o.primary_key FROM audit.change_log o
             WHERE l.op IN ('c', 'd') AND o.source_table = l.source_table AND o.committed_at = l.committed_at
               AND o.source_lsn = l.source_lsn AND o.tx_id = l.tx_id AND o.op = CASE l.op WHEN 'd' THEN 'c' ELSE 'd' END
               AND o.primary_key <> l.primary_key
             LIMIT 1) k ON true
     WHERE l.source_table = p_table AND (l.primary_key = p_key OR (l.op = 't' AND l.primary_key = '{}'::jsonb))
     ORDER BY l.committed_at, l.source_lsn, l.id
$fn$;
REVOKE ALL ON FUNCTION audit.row_history(text, jsonb) FROM PUBLIC;
--rollback DROP FUNCTION audit.row_history(text, jsonb);

--changeset cdc:020-audit-row-as-of splitStatements:false
--comment: the row with the key p_key in p_table as it was at p_at: its values after the last change committed at or before p_at, with that change; no row when the last change removed it (a delete, the old half of a key change, a TRUNCATE) or it did not exist yet. Reads the key's index entries up to p_at, newest first, and stops at the first.
CREATE FUNCTION audit.row_as_of(p_table text, p_key jsonb, p_at timestamptz)
RETURNS TABLE (row_data jsonb, changed_at timestamptz, op char(1), tx_id bigint, db_user text, app_user text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT l.after, l.committed_at, l.op, l.tx_id, c.db_user, c.app_user
      FROM (SELECT * FROM audit.change_log
             WHERE source_table = p_table AND (primary_key = p_key OR (op = 't' AND primary_key = '{}'::jsonb))
               AND committed_at <= p_at
             ORDER BY committed_at DESC, source_lsn DESC, id DESC
             LIMIT 1) l
      LEFT JOIN audit.tx_context c ON c.tx_id = l.tx_id AND c.committed_at = l.committed_at
     WHERE l.op IN ('c', 'u', 'r')
$fn$;
REVOKE ALL ON FUNCTION audit.row_as_of(text, jsonb, timestamptz) FROM PUBLIC;
--rollback DROP FUNCTION audit.row_as_of(text, jsonb, timestamptz);

--changeset cdc:020-audit-history-grants
--comment: analysts (read_only_user) and administrators query history through the functions only; the audit tables stay closed to read_only_user
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:2 SELECT count(*) FROM pg_roles WHERE rolname IN ('admin_user', 'read_only_user')
GRANT USAGE ON SCHEMA audit TO read_only_user;
GRANT EXECUTE ON FUNCTION audit.row_history(text, jsonb), audit.row_as_of(text, jsonb, timestamptz) TO read_only_user, admin_user;
--rollback REVOKE EXECUTE ON FUNCTION audit.row_history(text, jsonb), audit.row_as_of(text, jsonb, timestamptz) FROM read_only_user, admin_user;
--rollback REVOKE USAGE ON SCHEMA audit FROM read_only_user;
