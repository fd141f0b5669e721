--liquibase formatted sql

--changeset cdc:019-enrollments
--comment: what `schema enroll` changed on each table of the user's own that it prepared for capture and audit, as the statements that undo it (`schema unenroll` runs them)
CREATE TABLE cdc.enrollments (
    table_name   text PRIMARY KEY,
    undo         text[] NOT NULL,
    enrolled_at  timestamptz NOT NULL DEFAULT now(),
    enrolled_by  text NOT NULL DEFAULT current_user
);
--rollback DROP TABLE cdc.enrollments;
