--liquibase formatted sql

--changeset cdc:013-monitoring-schema
--comment: a schema for what the monitor may ask but cannot read itself; monitor_user stays without access to application data
--preconditions onFail:HALT onError:HALT
--precondition-sql-check expectedResult:0 SELECT count(*) FROM pg_namespace WHERE nspname = 'monitoring'
CREATE SCHEMA monitoring;
REVOKE ALL ON SCHEMA monitoring FROM PUBLIC;
GRANT USAGE ON SCHEMA monitoring TO monitor_user;
--rollback DROP SCHEMA monitoring;

--changeset cdc:013-index-bloat splitStatements:false
--comment: estimated B-tree bloat per index, from page layout and the planner statistics (no pgstattuple needed). pg_stats only shows columns the caller may read, so the function runs as the tables' owner (SECURITY DEFINER, fixed search_path) and returns sizes only, never values. Estimate after ioguix's pgsql-bloat-estimation.
CREATE FUNCTION monitoring.index_bloat()
RETURNS TABLE (schema_name text, table_name text, index_name text, index_bytes bigint, bloat_bytes bigint, bloat_ratio double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
WITH indexes AS (
    SELECT n.nspname::text AS schema_name, tbl.relname::text AS table_name, idx.relname::text AS index_name,
           idx.oid AS index_oid, idx.reltuples, idx.relpages,
           coalesce(substring(array_to_string(idx.reloptions, ' ') FROM 'fillfactor=([0-9]+)')::int, 90) AS fillfactor
    FROM pg_index x
    JOIN pg_class idx ON idx.oid = x.indexrelid
    JOIN pg_class tbl ON tbl.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = idx.relnamespace
    JOIN pg_am am ON am.oid = idx.relam AND am.amname = 'btree'
    WHERE x.indisvalid AND tbl.relkind IN ('r', 'm') AND idx.relpages > 0
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
),
widths AS (
    -- Per index: the average width of a key (null values take no space).
    SELECT i.index_oid, sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 1024)) AS data_width
    FROM indexes i
    JOIN pg_attribute a ON a.attrelid = i.index_oid AND a.attnum > 0
    JOIN pg_stats s ON s.schemaname = i.schema_name
         AND ((s.tablename = i.table_name AND s.attname = pg_get_indexdef(a.attrelid, a.attnum, true))
              OR (s.tablename = i.index_name AND s.attname = a.attname))
    GROUP BY i.index_oid
),
tuples AS (
    -- Bytes per index tuple on a 64-bit build: line pointer (4) + tuple header with its null
    -- bitmap (8 once aligned) + the key data aligned to 8.
    SELECT i.*, 4 + 8 + ceil(w.data_width / 8) * 8 AS tuple_bytes
    FROM indexes i JOIN widths w ON w.index_oid = i.index_oid
),
estimates AS (
    -- A page holds block_size - 24 (page header) - 16 (btree special space) bytes, filled to fillfactor.
    SELECT t.*, current_setting('block_size')::int AS block_size,
           1 + ceil(t.reltuples / floor((current_setting('block_size')::int - 40) * t.fillfactor / 100.0 / t.tuple_bytes)) AS expected_pages
    FROM tuples t
)
SELECT schema_name, table_name, index_name,
       relpages::bigint * block_size AS index_bytes,
       greatest(relpages - expected_pages, 0)::bigint * block_size AS bloat_bytes,
       greatest(relpages - expected_pages, 0) / relpages::double precision AS bloat_ratio
FROM estimates
$fn$;
REVOKE ALL ON FUNCTION monitoring.index_bloat() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION monitoring.index_bloat() TO monitor_user;
--rollback DROP FUNCTION monitoring.index_bloat();

--changeset cdc:013-matview-staleness splitStatements:false context:example
--comment: how long each materialized view has been out of date (0 when current) and its last refresh, from analytics.refresh_state
CREATE FUNCTION monitoring.matview_staleness()
RETURNS TABLE (view_name text, stale_seconds double precision, last_refresh_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
SELECT r.view_name,
       CASE WHEN r.dirty_since IS NULL THEN 0 ELSE extract(epoch FROM now() - r.dirty_since)::double precision END,
       r.last_refresh_at
FROM analytics.refresh_state r
$fn$;
REVOKE ALL ON FUNCTION monitoring.matview_staleness() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION monitoring.matview_staleness() TO monitor_user;
--rollback DROP FUNCTION monitoring.matview_staleness();
