--liquibase formatted sql

--changeset cdc:007-article-daily-stats context:example
--comment: absolute counts per article and day, upserted by analytics-aggregator; partitioned by month like the views they count
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:0 SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'analytics' AND c.relname = 'article_daily_stats'
CREATE TABLE analytics.article_daily_stats (
    article_id  bigint NOT NULL,
    day         date NOT NULL,
    views       bigint NOT NULL DEFAULT 0,
    comments    bigint NOT NULL DEFAULT 0,
    favorites   bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (article_id, day)
) PARTITION BY RANGE (day);
CREATE TABLE analytics.article_daily_stats_default PARTITION OF analytics.article_daily_stats DEFAULT;
INSERT INTO maintenance.monthly_partitioned (parent, months_ahead, retain_months) VALUES ('analytics.article_daily_stats', 3, NULL);
SELECT count(*) FROM maintenance.ensure_monthly_partitions('analytics.article_daily_stats', 3, NULL);
--rollback DELETE FROM maintenance.monthly_partitioned WHERE parent = 'analytics.article_daily_stats'::regclass;
--rollback DROP TABLE analytics.article_daily_stats;

--changeset cdc:007-article-analytics context:example
--comment: per-article totals for published articles. The seed joined views, comments and favorites at once, so each count was multiplied by the others; these totals come from the pre-aggregated daily stats. The unique index lets REFRESH ... CONCURRENTLY run without blocking readers.
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:0 SELECT count(*) FROM pg_matviews WHERE schemaname = 'analytics' AND matviewname = 'article_analytics'
CREATE MATERIALIZED VIEW analytics.article_analytics AS
SELECT a.id                          AS article_id,
       a.title,
       a.published_at,
       coalesce(s.views, 0)          AS view_count,
       coalesce(s.comments, 0)       AS comment_count,
       coalesce(s.favorites, 0)      AS favorite_count
  FROM app.articles a
  LEFT JOIN (SELECT article_id, sum(views) AS views, sum(comments) AS comments, sum(favorites) AS favorites
               FROM analytics.article_daily_stats
              GROUP BY article_id) s ON s.article_id = a.id
 WHERE a.status = 'published';
CREATE UNIQUE INDEX article_analytics_article_id ON analytics.article_analytics (article_id);
--rollback DROP MATERIALIZED VIEW analytics.article_analytics;
