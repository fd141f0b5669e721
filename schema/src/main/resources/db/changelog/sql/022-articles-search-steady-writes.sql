--liquibase formatted sql

--changeset cdc:022-articles-searchable-no-pending-list context:example
--comment: the full-text GIN index takes each writer's entries straight into its tree instead of its pending list. With the pending list (fastupdate, PostgreSQL's default) an insert or update appends cheaply until the list passes gin_pending_list_limit (4 MB), and then the writer whose insert overflowed it merges the whole list into the index, inside its own statement: at 2,000 title updates/s that was one UPDATE of 275-370 ms every 10 s (bench cache, sampled in docs/benchmarks.md), a stall every later commit queues behind. PostgreSQL's documentation: "if consistent response time is more important than update speed", turn it off. Each write then pays a little more, always. The ALTER takes an exclusive lock on the index for an instant; turning the list off does not empty it, so the entries already there are merged now rather than by the next vacuum.
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:1 SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'app' AND c.relname = 'idx_articles_searchable'
ALTER INDEX app.idx_articles_searchable SET (fastupdate = off);
SELECT gin_clean_pending_list('app.idx_articles_searchable'::regclass);
--rollback ALTER INDEX app.idx_articles_searchable RESET (fastupdate);
