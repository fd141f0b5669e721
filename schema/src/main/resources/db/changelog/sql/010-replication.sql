--liquibase formatted sql

--changeset cdc:010-capture-tables
--comment: heartbeat (written by cdc-capture so the slot advances while application tables are idle) and signal (Debezium incremental-snapshot requests and watermarks): the only tables cdc_user may write
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:0 SELECT count(*) FROM pg_tables WHERE schemaname = 'cdc' AND tablename IN ('heartbeat', 'signal')
CREATE TABLE cdc.heartbeat (
    id       integer PRIMARY KEY CHECK (id = 1),
    beat_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO cdc.heartbeat (id) VALUES (1);
CREATE TABLE cdc.signal (
    id    varchar(64) PRIMARY KEY,
    type  varchar(32) NOT NULL,
    data  text
);
GRANT SELECT, INSERT, UPDATE ON cdc.heartbeat TO cdc_user;
GRANT SELECT, INSERT, DELETE ON cdc.signal TO cdc_user;
--rollback DROP TABLE cdc.signal;
--rollback DROP TABLE cdc.heartbeat;

--changeset cdc:010-replica-identity-full context:example
--comment: UPDATE and DELETE carry the full before image, and unchanged TOASTed values arrive with their real value instead of a placeholder
ALTER TABLE app.organizations REPLICA IDENTITY FULL;
ALTER TABLE app.users REPLICA IDENTITY FULL;
ALTER TABLE app.memberships REPLICA IDENTITY FULL;
ALTER TABLE app.categories REPLICA IDENTITY FULL;
ALTER TABLE app.tags REPLICA IDENTITY FULL;
ALTER TABLE app.articles REPLICA IDENTITY FULL;
ALTER TABLE app.article_tags REPLICA IDENTITY FULL;
ALTER TABLE app.comments REPLICA IDENTITY FULL;
ALTER TABLE app.user_favorites REPLICA IDENTITY FULL;
ALTER TABLE app.user_preferences REPLICA IDENTITY FULL;
ALTER TABLE app.user_sessions REPLICA IDENTITY FULL;
ALTER TABLE app.article_views REPLICA IDENTITY FULL;
--rollback ALTER TABLE app.article_views REPLICA IDENTITY DEFAULT;
--rollback ALTER TABLE app.user_sessions REPLICA IDENTITY DEFAULT;
--rollback ALTER TABLE app.user_preferences REPLICA IDENTITY DEFAULT;
--rollback ALTER TABLE app.user_favorites REPLICA IDENTITY DEFAULT;
--rollback ALTER TABLE app.comments REPLICA IDENTITY DEFAULT;
--rollback ALTER TABLE app.article_tags REPLICA IDENTITY DEFAULT;
--rollback ALTER TABLE app.articles REPLICA IDENTITY DEFAULT;
--rollback ALTER TABLE app.tags REPLICA IDENTITY DEFAULT;
--rollback ALTER TABLE app.categories REPLICA IDENTITY DEFAULT;
--rollback ALTER TABLE app.memberships REPLICA IDENTITY DEFAULT;
--rollback ALTER TABLE app.users REPLICA IDENTITY DEFAULT;
--rollback ALTER TABLE app.organizations REPLICA IDENTITY DEFAULT;

--changeset cdc:010-article-views-partitions-replica-identity splitStatements:false context:example
--comment: replica identity is per partition (WAL is written per partition): set it on existing ones; ensure_monthly_partitions copies it to new ones
DO $do$
DECLARE p regclass;
BEGIN
    FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'app.article_views'::regclass LOOP
        EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', p);
    END LOOP;
END
$do$;
--rollback SELECT 1;

--changeset cdc:010-publication context:example
--comment: application tables only, never audit or analytics (no feedback loop); partitions are published under the parent's name
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:0 SELECT count(*) FROM pg_publication WHERE pubname = 'cdc_pub'
CREATE PUBLICATION cdc_pub FOR TABLE
    app.organizations, app.users, app.memberships, app.categories, app.tags, app.articles, app.article_tags,
    app.comments, app.user_favorites, app.user_preferences, app.user_sessions, app.article_views,
    cdc.heartbeat, cdc.signal
    WITH (publish_via_partition_root = true);
--rollback DROP PUBLICATION cdc_pub;

--changeset cdc:010-pipeline-publication context:!example
--comment: without the example the publication starts with capture's own tables; `schema enroll` adds the user's
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:0 SELECT count(*) FROM pg_publication WHERE pubname = 'cdc_pub'
CREATE PUBLICATION cdc_pub FOR TABLE cdc.heartbeat, cdc.signal WITH (publish_via_partition_root = true);
--rollback DROP PUBLICATION cdc_pub;

--changeset cdc:010-audit-context-function splitStatements:false
--comment: emits the transaction's actor as a transactional logical decoding message, at most once per transaction: one WAL record, no table write. The transaction-local setting remembers that this transaction already emitted.
CREATE FUNCTION cdc.emit_audit_context() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    v_xid text := pg_current_xact_id()::text;
BEGIN
    IF current_setting('cdc.audit_context_xid', true) IS DISTINCT FROM v_xid THEN
        PERFORM set_config('cdc.audit_context_xid', v_xid, true);
        PERFORM pg_logical_emit_message(true, 'audit.context', json_build_object(
            'db_user', current_user::text,
            'app_user', nullif(current_setting('app.user_id', true), ''),
            'org', nullif(current_setting('app.org_id', true), ''),
            'application_name', current_setting('application_name', true),
            'client_addr', host(inet_client_addr()))::text);
    END IF;
    RETURN NULL;
END
$fn$;
--rollback DROP FUNCTION cdc.emit_audit_context();

--changeset cdc:010-audit-context-triggers context:example
--comment: statement-level, so a bulk statement costs one function call, not one per row
CREATE TRIGGER audit_context AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app.organizations FOR EACH STATEMENT EXECUTE FUNCTION cdc.emit_audit_context();
CREATE TRIGGER audit_context AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app.users FOR EACH STATEMENT EXECUTE FUNCTION cdc.emit_audit_context();
CREATE TRIGGER audit_context AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app.memberships FOR EACH STATEMENT EXECUTE FUNCTION cdc.emit_audit_context();
CREATE TRIGGER audit_context AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app.categories FOR EACH STATEMENT EXECUTE FUNCTION cdc.emit_audit_context();
CREATE TRIGGER audit_context AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app.tags FOR EACH STATEMENT EXECUTE FUNCTION cdc.emit_audit_context();
CREATE TRIGGER audit_context AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app.articles FOR EACH STATEMENT EXECUTE FUNCTION cdc.emit_audit_context();
CREATE TRIGGER audit_context AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app.article_tags FOR EACH STATEMENT EXECUTE FUNCTION cdc.emit_audit_context();
CREATE TRIGGER audit_context AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app.comments FOR EACH STATEMENT EXECUTE FUNCTION cdc.emit_audit_context();
CREATE TRIGGER audit_context AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app.user_favorites FOR EACH STATEMENT EXECUTE FUNCTION cdc.emit_audit_context();
CREATE TRIGGER audit_context AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app.user_preferences FOR EACH STATEMENT EXECUTE FUNCTION cdc.emit_audit_context();
CREATE TRIGGER audit_context AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app.user_sessions FOR EACH STATEMENT EXECUTE FUNCTION cdc.emit_audit_context();
CREATE TRIGGER audit_context AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app.article_views FOR EACH STATEMENT EXECUTE FUNCTION cdc.emit_audit_context();
--rollback DROP TRIGGER audit_context ON app.article_views;
--rollback DROP TRIGGER audit_context ON app.user_sessions;
--rollback DROP TRIGGER audit_context ON app.user_preferences;
--rollback DROP TRIGGER audit_context ON app.user_favorites;
--rollback DROP TRIGGER audit_context ON app.comments;
--rollback DROP TRIGGER audit_context ON app.article_tags;
--rollback DROP TRIGGER audit_context ON app.articles;
--rollback DROP TRIGGER audit_context ON app.tags;
--rollback DROP TRIGGER audit_context ON app.categories;
--rollback DROP TRIGGER audit_context ON app.memberships;
--rollback DROP TRIGGER audit_context ON app.users;
--rollback DROP TRIGGER audit_context ON app.organizations;
