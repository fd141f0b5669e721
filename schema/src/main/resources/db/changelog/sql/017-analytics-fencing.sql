--liquibase formatted sql

--changeset cdc:017-daily-stats-position context:example
--comment: each article_daily_stats row keeps the stats-topic position (topic, partition, offset) of the counts it holds, and the sink upserts only a newer position (ON CONFLICT ... DO UPDATE ... WHERE the stored offset is lower). An instance whose batch outlived max.poll.interval.ms, and whose partitions another instance took over meanwhile, could otherwise write older counts over newer ones. An (article, day) always maps to one partition of the stats topic, so its offsets only grow; a position of another topic or partition (a new application id, more partitions) replaces the stored one. Nullable, no default: adding the columns rewrites nothing, and rows without a position (written before, or by hand) take the next counts.
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:0 SELECT count(*) FROM information_schema.columns WHERE table_schema = 'analytics' AND table_name = 'article_daily_stats' AND column_name IN ('stats_topic', 'stats_partition', 'stats_offset')
ALTER TABLE analytics.article_daily_stats ADD COLUMN stats_topic text, ADD COLUMN stats_partition integer, ADD COLUMN stats_offset bigint;
COMMENT ON COLUMN analytics.article_daily_stats.stats_offset IS 'offset on the stats topic (stats_topic, stats_partition) of the counts in this row: the sink never replaces them by counts from a lower offset';
--rollback ALTER TABLE analytics.article_daily_stats DROP COLUMN stats_topic, DROP COLUMN stats_partition, DROP COLUMN stats_offset;
