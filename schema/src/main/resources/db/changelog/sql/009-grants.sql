--liquibase formatted sql

--changeset cdc:009-schema-usage context:example
--comment: least privilege: each role reaches only the schemas it works in (roles are created by `schema migrate` before the changelog runs)
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:7 SELECT count(*) FROM pg_roles WHERE rolname IN ('admin_user', 'app_user', 'read_only_user', 'audit_user', 'analytics_user', 'monitor_user', 'cdc_user')
GRANT USAGE ON SCHEMA app TO app_user, read_only_user, cdc_user;
GRANT USAGE ON SCHEMA analytics TO read_only_user, analytics_user;
GRANT USAGE ON SCHEMA audit TO audit_user;
GRANT USAGE ON SCHEMA cdc TO cdc_user;
--rollback REVOKE USAGE ON SCHEMA cdc FROM cdc_user;
--rollback REVOKE USAGE ON SCHEMA audit FROM audit_user;
--rollback REVOKE USAGE ON SCHEMA analytics FROM read_only_user, analytics_user;
--rollback REVOKE USAGE ON SCHEMA app FROM app_user, read_only_user, cdc_user;

--changeset cdc:009-pipeline-schema-usage context:!example
--comment: without the example: each service role reaches only the pipeline schema it works in (enroll grants cdc_user the user's schemas)
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:5 SELECT count(*) FROM pg_roles WHERE rolname IN ('admin_user', 'read_only_user', 'audit_user', 'monitor_user', 'cdc_user')
GRANT USAGE ON SCHEMA audit TO audit_user;
GRANT USAGE ON SCHEMA cdc TO cdc_user;
--rollback REVOKE USAGE ON SCHEMA cdc FROM cdc_user;
--rollback REVOKE USAGE ON SCHEMA audit FROM audit_user;

--changeset cdc:009-app-table-grants context:example
--comment: the application reads and writes its tables (subject to RLS); views are insert-only telemetry. Analysts and the capture role read; analysts never see password hashes.
GRANT SELECT, INSERT, UPDATE, DELETE ON app.organizations, app.users, app.memberships, app.categories, app.tags,
      app.articles, app.article_tags, app.comments, app.user_favorites, app.user_preferences, app.user_sessions TO app_user;
GRANT SELECT, INSERT ON app.article_views TO app_user;
GRANT SELECT ON app.organizations, app.memberships, app.categories, app.tags, app.articles, app.article_tags,
      app.comments, app.user_favorites, app.user_preferences, app.user_sessions, app.article_views TO read_only_user;
GRANT SELECT (id, org_id, email, username, display_name, is_active, created_at, updated_at) ON app.users TO read_only_user;
GRANT SELECT ON app.organizations, app.users, app.memberships, app.categories, app.tags, app.articles, app.article_tags,
      app.comments, app.user_favorites, app.user_preferences, app.user_sessions, app.article_views TO cdc_user;
--rollback REVOKE ALL ON app.organizations, app.users, app.memberships, app.categories, app.tags, app.articles, app.article_tags, app.comments, app.user_favorites, app.user_preferences, app.user_sessions, app.article_views FROM app_user, read_only_user, cdc_user;

--changeset cdc:009-analytics-grants context:example
GRANT SELECT, INSERT, UPDATE ON analytics.article_daily_stats TO analytics_user;
GRANT SELECT ON analytics.article_daily_stats, analytics.article_analytics TO read_only_user;
--rollback REVOKE ALL ON analytics.article_daily_stats, analytics.article_analytics FROM analytics_user, read_only_user;

--changeset cdc:009-analytics-owner-may-create splitStatements:false rollbackSplitStatements:false context:example
--comment: on 15 and 16 the next changeset makes analytics_user the view's owner, and a new owner must hold CREATE on the view's schema; the changeset after it takes CREATE back
DO $do$
BEGIN
    IF current_setting('server_version_num')::int < 170000 THEN
        EXECUTE 'GRANT CREATE ON SCHEMA analytics TO analytics_user';
    END IF;
END
$do$;
--rollback SELECT 1

--changeset cdc:009-analytics-refresh-right splitStatements:false rollbackSplitStatements:false context:example
--comment: PostgreSQL 17 grants MAINTAIN (refresh without ownership); on 15 and 16 only the owner may refresh, so analytics_user owns just this view
DO $do$
BEGIN
    IF current_setting('server_version_num')::int >= 170000 THEN
        EXECUTE 'GRANT MAINTAIN ON analytics.article_analytics TO analytics_user';
    ELSE
        EXECUTE 'GRANT SELECT ON app.articles TO analytics_user';
        EXECUTE 'ALTER MATERIALIZED VIEW analytics.article_analytics OWNER TO analytics_user';
    END IF;
END
$do$;
--rollback DO $do$ BEGIN IF current_setting('server_version_num')::int >= 170000 THEN EXECUTE 'REVOKE MAINTAIN ON analytics.article_analytics FROM analytics_user'; ELSE EXECUTE 'ALTER MATERIALIZED VIEW analytics.article_analytics OWNER TO admin_user'; EXECUTE 'REVOKE SELECT ON app.articles FROM analytics_user'; END IF; END $do$;

--changeset cdc:009-analytics-owner-create-taken-back context:example
--comment: owning the view, analytics_user needs no CREATE on the schema to refresh it
REVOKE CREATE ON SCHEMA analytics FROM analytics_user;
--rollback SELECT 1

--changeset cdc:009-audit-grants
--comment: the sink may only append to the log and keep its own positions; it can never UPDATE, DELETE or TRUNCATE the log
GRANT INSERT ON audit.change_log, audit.tx_context TO audit_user;
GRANT SELECT, INSERT, UPDATE ON audit.consumer_positions TO audit_user;
--rollback REVOKE ALL ON audit.change_log, audit.tx_context, audit.consumer_positions FROM audit_user;

--changeset cdc:009-functions-private
--comment: maintenance functions are the owner's alone
REVOKE EXECUTE ON FUNCTION maintenance.ensure_monthly_partitions(regclass, integer, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION maintenance.ensure_all_partitions(integer, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION audit.refuse_modification() FROM PUBLIC;
--rollback GRANT EXECUTE ON FUNCTION audit.refuse_modification() TO PUBLIC;
--rollback GRANT EXECUTE ON FUNCTION maintenance.ensure_all_partitions(integer, integer) TO PUBLIC;
--rollback GRANT EXECUTE ON FUNCTION maintenance.ensure_monthly_partitions(regclass, integer, integer) TO PUBLIC;

--changeset cdc:009-default-privileges context:example
--comment: tables added later get the same shape of access without anyone remembering to grant it; new functions are not executable by everyone
ALTER DEFAULT PRIVILEGES FOR ROLE admin_user IN SCHEMA app GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app_user;
ALTER DEFAULT PRIVILEGES FOR ROLE admin_user IN SCHEMA app GRANT SELECT ON TABLES TO read_only_user;
ALTER DEFAULT PRIVILEGES FOR ROLE admin_user IN SCHEMA analytics GRANT SELECT ON TABLES TO read_only_user;
ALTER DEFAULT PRIVILEGES FOR ROLE admin_user REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
--rollback ALTER DEFAULT PRIVILEGES FOR ROLE admin_user GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
--rollback ALTER DEFAULT PRIVILEGES FOR ROLE admin_user IN SCHEMA analytics REVOKE SELECT ON TABLES FROM read_only_user;
--rollback ALTER DEFAULT PRIVILEGES FOR ROLE admin_user IN SCHEMA app REVOKE SELECT ON TABLES FROM read_only_user;
--rollback ALTER DEFAULT PRIVILEGES FOR ROLE admin_user IN SCHEMA app REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM app_user;

--changeset cdc:009-pipeline-default-privileges context:!example
--comment: without the example: new functions are not executable by everyone
ALTER DEFAULT PRIVILEGES FOR ROLE admin_user REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
--rollback ALTER DEFAULT PRIVILEGES FOR ROLE admin_user GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
