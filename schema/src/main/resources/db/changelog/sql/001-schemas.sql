--liquibase formatted sql

--changeset cdc:001-schemas context:example
--comment: app = application tables, analytics = derived counts, audit = the change log, cdc = capture plumbing, maintenance = partition upkeep
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:0 SELECT count(*) FROM pg_namespace WHERE nspname IN ('app', 'analytics', 'audit', 'cdc', 'maintenance')
CREATE SCHEMA app;
CREATE SCHEMA analytics;
CREATE SCHEMA audit;
CREATE SCHEMA cdc;
CREATE SCHEMA maintenance;
REVOKE ALL ON SCHEMA app, analytics, audit, cdc, maintenance FROM PUBLIC;
--rollback DROP SCHEMA maintenance;
--rollback DROP SCHEMA cdc;
--rollback DROP SCHEMA audit;
--rollback DROP SCHEMA analytics;
--rollback DROP SCHEMA app;

--changeset cdc:001-pipeline-schemas context:!example
--comment: the pipeline's own schemas only, for a database whose application tables are the user's (SCHEMA_EXAMPLE=false; tables join with `schema enroll`)
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:0 SELECT count(*) FROM pg_namespace WHERE nspname IN ('audit', 'cdc', 'maintenance')
CREATE SCHEMA audit;
CREATE SCHEMA cdc;
CREATE SCHEMA maintenance;
REVOKE ALL ON SCHEMA audit, cdc, maintenance FROM PUBLIC;
--rollback DROP SCHEMA maintenance;
--rollback DROP SCHEMA cdc;
--rollback DROP SCHEMA audit;
