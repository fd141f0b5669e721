--liquibase formatted sql

--changeset cdc:021-audit-subject-keys
--comment: crypto-shredding: one AES-256 key per data subject (e.g. users:42). audit-sink stores each value of a column declared personal (AUDIT_PERSONAL_COLUMNS) sealed with its subject's key, and the hash chain covers the sealed text. Erasure keeps the row and sets key NULL (erased_at says when): every value sealed with the key becomes unreadable, nothing in the chain changes, and a later value of an erased subject is sealed with a key that is never stored. The sink may insert keys and read them, never change one; admin_user may read them (to show history in clear); read_only_user may not.
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:0 SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'audit' AND c.relname IN ('subject_keys', 'erasures')
CREATE TABLE audit.subject_keys (
    subject     text PRIMARY KEY,
    key         bytea CHECK (octet_length(key) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    erased_at   timestamptz,
    CHECK ((key IS NULL) = (erased_at IS NOT NULL))
);
GRANT SELECT, INSERT ON audit.subject_keys TO audit_user;
GRANT SELECT ON audit.subject_keys TO admin_user;
--rollback DROP TABLE audit.subject_keys;

--changeset cdc:021-audit-erasures splitStatements:false
--comment: one row per erasure, written by audit.erase_subject in the transaction that drops the key. It is published like an application table, so the erasure reaches the audit log as a change of its own: chained, signed in checkpoints and shown by verify like any other. It holds the subject's name, never its data.
CREATE TABLE audit.erasures (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject      text NOT NULL,
    erased_at    timestamptz NOT NULL DEFAULT now(),
    erased_by    text NOT NULL,
    reason       text,
    had_key      boolean NOT NULL
);
CREATE TRIGGER erasures_append_only BEFORE UPDATE OR DELETE ON audit.erasures
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_modification();
CREATE TRIGGER erasures_no_truncate BEFORE TRUNCATE ON audit.erasures
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_modification();
CREATE TRIGGER audit_context AFTER INSERT ON audit.erasures FOR EACH STATEMENT EXECUTE FUNCTION cdc.emit_audit_context();
ALTER TABLE audit.erasures REPLICA IDENTITY FULL;
GRANT SELECT ON audit.erasures TO admin_user, cdc_user;
GRANT USAGE ON SCHEMA audit TO cdc_user;
DO $do$
BEGIN
    IF EXISTS (SELECT FROM pg_publication WHERE pubname = 'cdc_pub') THEN
        ALTER PUBLICATION cdc_pub ADD TABLE audit.erasures;
    END IF;
END
$do$;
--rollback REVOKE USAGE ON SCHEMA audit FROM cdc_user;
--rollback DROP TABLE audit.erasures;

--changeset cdc:021-audit-erase-subject splitStatements:false
--comment: erases a data subject: its key goes (a key row that did not exist yet is created erased, so values that arrive later are unreadable too) and an audit.erasures row records who did it and why, in one transaction. SECURITY DEFINER: admin_user may erase without being able to change keys otherwise. Erasing twice records a second erasure and changes nothing else. The old key stays in dead tuples until VACUUM, and in WAL and backups until they expire (docs/audit.md).
CREATE FUNCTION audit.erase_subject(p_subject text, p_reason text)
RETURNS TABLE (erasure_id bigint, erased_at timestamptz, had_key boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
#variable_conflict use_column
DECLARE
    v_had_key boolean;
BEGIN
    IF p_subject IS NULL OR p_subject !~ '^[^:]+:.+$' THEN
        RAISE EXCEPTION 'a subject is kind:value, e.g. users:42, not %', coalesce(p_subject, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT k.key IS NOT NULL INTO v_had_key FROM audit.subject_keys k WHERE k.subject = p_subject FOR UPDATE;
    IF NOT FOUND THEN
        v_had_key := false;
        INSERT INTO audit.subject_keys (subject, key, erased_at) VALUES (p_subject, NULL, now())
            ON CONFLICT (subject) DO UPDATE SET key = NULL, erased_at = coalesce(audit.subject_keys.erased_at, now());
    ELSIF v_had_key THEN
        UPDATE audit.subject_keys SET key = NULL, erased_at = now() WHERE subject = p_subject;
    END IF;
    RETURN QUERY INSERT INTO audit.erasures (subject, erased_by, reason, had_key)
        VALUES (p_subject, session_user, p_reason, v_had_key)
        RETURNING audit.erasures.id, audit.erasures.erased_at, audit.erasures.had_key;
END
$fn$;
REVOKE ALL ON FUNCTION audit.erase_subject(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.erase_subject(text, text) TO admin_user;
--rollback DROP FUNCTION audit.erase_subject(text, text);

--changeset cdc:021-audit-redact splitStatements:false
--comment: a row image with each sealed personal value ({"sealed": ..., "subject": ...}) replaced by "[erased]" when the subject's key is gone and by "[personal]" otherwise, unless the session's login role may read the keys (admin_user): then the sealed values stay for `audit history` to open. The history functions return their images through it.
CREATE FUNCTION audit.redact(p_image jsonb) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT CASE
        WHEN p_image IS NULL OR jsonb_typeof(p_image) <> 'object' THEN p_image
        WHEN NOT EXISTS (SELECT FROM jsonb_each(p_image) e
                          WHERE jsonb_typeof(e.value) = 'object' AND e.value ? 'sealed' AND e.value ? 'subject') THEN p_image
        WHEN has_table_privilege(session_user, 'audit.subject_keys', 'SELECT') THEN p_image
        ELSE (SELECT jsonb_object_agg(e.key, CASE
                  WHEN jsonb_typeof(e.value) = 'object' AND e.value ? 'sealed' AND e.value ? 'subject' THEN
                      CASE WHEN EXISTS (SELECT FROM audit.subject_keys k WHERE k.subject = e.value->>'subject' AND k.key IS NOT NULL)
                           THEN '"[personal]"'::jsonb ELSE '"[erased]"'::jsonb END
                  ELSE e.value END)
                FROM jsonb_each(p_image) e)
    END
$fn$;
REVOKE ALL ON FUNCTION audit.redact(jsonb) FROM PUBLIC;
--rollback DROP FUNCTION audit.redact(jsonb);

--changeset cdc:021-audit-history-redacted splitStatements:false
--comment: the history functions of migration 020, their images passed through audit.redact: read_only_user sees [personal] or [erased] where a personal value was sealed
CREATE OR REPLACE FUNCTION audit.row_history(p_table text, p_key jsonb)
RETURNS TABLE (committed_at timestamptz, op char(1), primary_key jsonb, before jsonb, after jsonb, changed_columns text[],
               tx_id bigint, source_lsn bigint, db_user text, app_user text, app_org text, application_name text,
               other_key jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT l.committed_at, l.op, l.primary_key, audit.redact(l.before), audit.redact(l.after), l.changed_columns, l.tx_id,
           l.source_lsn, c.db_user, c.app_user, c.app_org, c.application_name, k.primary_key
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
CREATE OR REPLACE FUNCTION audit.row_as_of(p_table text, p_key jsonb, p_at timestamptz)
RETURNS TABLE (row_data jsonb, changed_at timestamptz, op char(1), tx_id bigint, db_user text, app_user text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT audit.redact(l.after), l.committed_at, l.op, l.tx_id, c.db_user, c.app_user
      FROM (SELECT * FROM audit.change_log
             WHERE source_table = p_table AND (primary_key = p_key OR (op = 't' AND primary_key = '{}'::jsonb))
               AND committed_at <= p_at
             ORDER BY committed_at DESC, source_lsn DESC, id DESC
             LIMIT 1) l
      LEFT JOIN audit.tx_context c ON c.tx_id = l.tx_id AND c.committed_at = l.committed_at
     WHERE l.op IN ('c', 'u', 'r')
$fn$;
--rollback CREATE OR REPLACE FUNCTION audit.row_history(p_table text, p_key jsonb) RETURNS TABLE (committed_at timestamptz, op char(1), primary_key jsonb, before jsonb, after jsonb, changed_columns text[], tx_id bigint, source_lsn bigint, db_user text, app_user text, app_org text, application_name text, other_key jsonb) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$ SELECT l.committed_at, l.op, l.primary_key, l.before, l.after, l.changed_columns, l.tx_id, l.source_lsn, c.db_user, c.app_user, c.app_org, c.application_name, k.primary_key FROM audit.change_log l LEFT JOIN audit.tx_context c ON c.tx_id = l.tx_id AND c.committed_at = l.committed_at LEFT JOIN LATERAL (SELECT o.primary_key FROM audit.change_log o WHERE l.op IN ('c', 'd') AND o.source_table = l.source_table AND o.committed_at = l.committed_at AND o.source_lsn = l.source_lsn AND o.tx_id = l.tx_id AND o.op = CASE l.op WHEN 'd' THEN 'c' ELSE 'd' END AND o.primary_key <> l.primary_key LIMIT 1) k ON true WHERE l.source_table = p_table AND (l.primary_key = p_key OR (l.op = 't' AND l.primary_key = '{}'::jsonb)) ORDER BY l.committed_at, l.source_lsn, l.id $fn$;
--rollback CREATE OR REPLACE FUNCTION audit.row_as_of(p_table text, p_key jsonb, p_at timestamptz) RETURNS TABLE (row_data jsonb, changed_at timestamptz, op char(1), tx_id bigint, db_user text, app_user text) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$ SELECT l.after, l.committed_at, l.op, l.tx_id, c.db_user, c.app_user FROM (SELECT * FROM audit.change_log WHERE source_table = p_table AND (primary_key = p_key OR (op = 't' AND primary_key = '{}'::jsonb)) AND committed_at <= p_at ORDER BY committed_at DESC, source_lsn DESC, id DESC LIMIT 1) l LEFT JOIN audit.tx_context c ON c.tx_id = l.tx_id AND c.committed_at = l.committed_at WHERE l.op IN ('c', 'u', 'r') $fn$;
