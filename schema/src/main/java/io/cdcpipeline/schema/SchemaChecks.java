package io.cdcpipeline.schema;

import java.util.List;

/**
 * Post-verification: what must hold after the changelog ran. Each check is a query returning one
 * row per problem (no rows = fine) and applies once the changeset it verifies is applied (one of
 * several, '|'-separated: an installation without the blog example has its own variants of a few),
 * so a database migrated to an intermediate tag verifies too.
 */
final class SchemaChecks {

    record Check(String name, String requiresChangeset, String problemsQuery) {
    }

    /** The pipeline's schemas, and the example's where it is installed (else app may be the user's own). */
    private static final String OUR_SCHEMAS = "(SELECT unnest(ARRAY['audit', 'cdc', 'maintenance'] || CASE WHEN EXISTS"
            + " (SELECT FROM " + RoleProvisioner.MIGRATIONS_SCHEMA + ".databasechangelog WHERE id = '"
            + Migrator.EXAMPLE_FIRST_CHANGESET + "') THEN ARRAY['app', 'analytics'] ELSE '{}' END))";
    private static final String APP_TABLES = "('organizations', 'users', 'memberships', 'categories', 'tags', 'articles',"
            + " 'article_tags', 'comments', 'user_favorites', 'user_preferences', 'user_sessions', 'article_views')";
    private static final String APP_TABLE_ARRAY = APP_TABLES.replace('(', '[').replace(')', ']');

    static final List<Check> ALL = List.of(
            new Check("schemas are owned by admin_user", "001-schemas|001-pipeline-schemas", """
                    SELECT format('schema %s is owned by %s, expected admin_user', nspname, pg_get_userbyid(nspowner))
                      FROM pg_namespace WHERE nspname IN {OUR_SCHEMAS} AND pg_get_userbyid(nspowner) <> 'admin_user'
                    """.replace("{OUR_SCHEMAS}", OUR_SCHEMAS)),
            new Check("objects are owned by admin_user", "001-schemas|001-pipeline-schemas", """
                    SELECT format('%s %s.%s is owned by %s, expected admin_user',
                                  CASE c.relkind WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence'
                                                 WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'table' END,
                                  n.nspname, c.relname, pg_get_userbyid(c.relowner))
                      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname IN {OUR_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'i', 'I')
                       AND pg_get_userbyid(c.relowner) <> 'admin_user'
                       -- before PostgreSQL 17 only the owner may refresh: analytics_user owns just this view
                       AND NOT (c.relkind IN ('m', 'i') AND current_setting('server_version_num')::int < 170000
                                AND pg_get_userbyid(c.relowner) = 'analytics_user')
                    """.replace("{OUR_SCHEMAS}", OUR_SCHEMAS)),
            new Check("application tables exist", "003-user-data", """
                    SELECT format('table app.%s is missing', t)
                      FROM unnest(ARRAY['organizations', 'users', 'memberships', 'categories', 'tags', 'articles', 'article_tags',
                                        'comments', 'user_favorites', 'user_preferences', 'user_sessions']) t
                     WHERE to_regclass('app.' || t) IS NULL
                    """),
            new Check("searchable is a generated column", "003-content", """
                    SELECT 'app.articles.searchable is not a stored generated column'
                     WHERE NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'app.articles'::regclass
                                          AND attname = 'searchable' AND attgenerated = 's')
                    """),
            new Check("article_views is partitioned by month with a default partition", "004-article-views-partitions", """
                    SELECT problem FROM (
                        SELECT 'app.article_views has no default partition' AS problem
                         WHERE to_regclass('app.article_views_default') IS NULL
                        UNION ALL
                        SELECT 'app.article_views has no partition for the current month'
                         WHERE to_regclass('app.article_views_p' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMM')) IS NULL
                        UNION ALL
                        SELECT 'app.article_views primary key does not include created_at'
                         WHERE NOT EXISTS (SELECT FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                                            WHERE i.indrelid = 'app.article_views'::regclass AND i.indisprimary AND a.attname = 'created_at')
                    ) p
                    """),
            new Check("monthly partitions have month bounds", "002-ensure-monthly-partitions", """
                    SELECT format('partition %s has bounds %s, expected the month %s', c.oid::regclass,
                                  pg_get_expr(c.relpartbound, c.oid), right(c.relname, 6))
                      FROM maintenance.monthly_partitioned m
                      JOIN pg_inherits i ON i.inhparent = m.parent
                      JOIN pg_class c ON c.oid = i.inhrelid
                     WHERE c.relname ~ '_p[0-9]{6}$'
                       AND pg_get_expr(c.relpartbound, c.oid) NOT LIKE
                           format('FOR VALUES FROM (''%s%%'') TO (''%s%%'')', to_date(right(c.relname, 6), 'YYYYMM'),
                                  (to_date(right(c.relname, 6), 'YYYYMM') + interval '1 month')::date)
                    """),
            new Check("indexes are valid", "001-schemas", """
                    SELECT format('index %s is INVALID (a failed CREATE INDEX CONCURRENTLY?): drop it and migrate again', i.indexrelid::regclass)
                      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname IN {OUR_SCHEMAS} AND NOT i.indisvalid
                    """.replace("{OUR_SCHEMAS}", OUR_SCHEMAS)),
            new Check("seed indexes exist", "005-articles-author-status-covering", """
                    SELECT format('index app.%s is missing', i) FROM unnest(ARRAY['idx_articles_searchable', 'idx_users_active',
                                                                               'idx_articles_author_status_covering']) i
                     WHERE to_regclass('app.' || i) IS NULL
                    """),
            new Check("full-text writes skip the GIN pending list", "022-articles-searchable-no-pending-list", """
                    SELECT 'app.idx_articles_searchable has fastupdate on: a writer will stall merging its pending list'
                      FROM pg_class WHERE oid = to_regclass('app.idx_articles_searchable')
                       AND NOT coalesce('fastupdate=off' = ANY (reloptions), false)
                    """),
            new Check("row-level security is enabled", "006-rls-organization-scoped", """
                    SELECT format('row-level security is off on app.%s', c.relname)
                      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'app' AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity
                       AND c.relname IN ('organizations', 'users', 'memberships', 'categories', 'tags', 'articles',
                                         'article_tags', 'comments', 'user_favorites', 'user_preferences', 'user_sessions')
                    """),
            new Check("materialized view can refresh concurrently", "007-article-analytics", """
                    SELECT 'analytics.article_analytics has no unique index (REFRESH ... CONCURRENTLY needs one)'
                     WHERE NOT EXISTS (SELECT FROM pg_index WHERE indrelid = 'analytics.article_analytics'::regclass
                                          AND indisunique AND indpred IS NULL)
                    """),
            new Check("audit tables are append-only", "008-change-log", """
                    SELECT format('trigger %s is missing on %s', t.name, t.rel)
                      FROM (VALUES ('change_log_append_only', 'audit.change_log'), ('change_log_no_truncate', 'audit.change_log'),
                                   ('tx_context_append_only', 'audit.tx_context'), ('tx_context_no_truncate', 'audit.tx_context')) t (name, rel)
                     WHERE NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = t.rel::regclass AND tgname = t.name AND tgenabled = 'O')
                    """),
            new Check("the pipeline's roles have least privilege", "009-audit-grants", """
                    SELECT format('%s %s %s %s', r, CASE WHEN should THEN 'lacks' ELSE 'has' END, p, o)
                      FROM (VALUES
                          ('read_only_user', 'audit.change_log', 'SELECT', false),
                          ('audit_user', 'audit.change_log', 'INSERT', true), ('audit_user', 'audit.change_log', 'UPDATE', false),
                          ('audit_user', 'audit.change_log', 'DELETE', false), ('audit_user', 'audit.change_log', 'TRUNCATE', false),
                          ('audit_user', 'audit.tx_context', 'INSERT', true), ('audit_user', 'audit.tx_context', 'UPDATE', false),
                          ('cdc_user', 'audit.change_log', 'SELECT', false), ('monitor_user', 'audit.change_log', 'SELECT', false)
                      ) m (r, o, p, should)
                     WHERE has_table_privilege(r, o, p) <> should
                    UNION ALL
                    SELECT format('role %s is a superuser or bypasses row-level security', rolname)
                      FROM pg_roles WHERE rolname IN ('app_user', 'read_only_user', 'audit_user', 'analytics_user', 'monitor_user', 'cdc_user')
                       AND (rolsuper OR rolbypassrls)
                    UNION ALL
                    SELECT 'cdc_user lacks REPLICATION' WHERE NOT (SELECT rolreplication FROM pg_roles WHERE rolname = 'cdc_user')
                    UNION ALL
                    SELECT 'monitor_user is not a member of pg_monitor' WHERE NOT pg_has_role('monitor_user', 'pg_monitor', 'MEMBER')
                    """),
            new Check("the example's roles have least privilege", "009-default-privileges", """
                    SELECT format('%s %s %s %s', r, CASE WHEN should THEN 'lacks' ELSE 'has' END, p, o)
                      FROM (VALUES
                          ('read_only_user', 'app.articles', 'INSERT', false), ('read_only_user', 'app.articles', 'UPDATE', false),
                          ('read_only_user', 'app.users', 'DELETE', false), ('read_only_user', 'app.articles', 'SELECT', true),
                          ('read_only_user', 'analytics.article_daily_stats', 'SELECT', true),
                          ('read_only_user', 'analytics.article_daily_stats', 'INSERT', false),
                          ('app_user', 'audit.change_log', 'SELECT', false), ('app_user', 'audit.change_log', 'INSERT', false),
                          ('app_user', 'analytics.article_daily_stats', 'INSERT', false), ('app_user', 'app.articles', 'INSERT', true),
                          ('app_user', 'app.article_views', 'DELETE', false), ('app_user', 'app.article_views', 'INSERT', true),
                          ('audit_user', 'audit.chains', 'UPDATE', true), ('audit_user', 'app.articles', 'SELECT', false),
                          ('analytics_user', 'analytics.article_daily_stats', 'INSERT', true),
                          ('analytics_user', 'analytics.article_daily_stats', 'DELETE', false),
                          ('analytics_user', 'app.articles', 'INSERT', false), ('analytics_user', 'audit.change_log', 'SELECT', false),
                          ('cdc_user', 'app.articles', 'SELECT', true), ('cdc_user', 'app.articles', 'INSERT', false),
                          ('cdc_user', 'app.users', 'UPDATE', false),
                          ('cdc_user', 'analytics.article_daily_stats', 'SELECT', false),
                          ('monitor_user', 'app.articles', 'SELECT', false)
                      ) m (r, o, p, should)
                     WHERE has_table_privilege(r, o, p) <> should
                    UNION ALL
                    SELECT 'read_only_user can read app.users.password_hash'
                     WHERE has_column_privilege('read_only_user', 'app.users', 'password_hash', 'SELECT')
                    """),
            new Check("the analytics sink can fence its upserts by stats-topic position", "017-daily-stats-position", """
                    SELECT format('analytics_user cannot write analytics.article_daily_stats.%s', c)
                      FROM unnest(ARRAY['stats_topic', 'stats_partition', 'stats_offset']) c
                     WHERE NOT EXISTS (SELECT FROM information_schema.columns WHERE table_schema = 'analytics'
                                          AND table_name = 'article_daily_stats' AND column_name = c)
                        OR NOT has_column_privilege('analytics_user', 'analytics.article_daily_stats', c, 'INSERT, UPDATE')
                    """),
            new Check("the audit sink reads source keys, never row contents", "011-sink-reads-source-keys", """
                    SELECT 'audit_user cannot read the source key columns of audit.change_log'
                     WHERE NOT has_column_privilege('audit_user', 'audit.change_log', 'source_lsn', 'SELECT')
                    UNION ALL
                    SELECT 'audit_user can read row contents of audit.change_log'
                     WHERE has_column_privilege('audit_user', 'audit.change_log', 'after', 'SELECT')
                    """),
            new Check("the publication holds no table of the pipeline's own", "010-publication|010-pipeline-publication", """
                    SELECT problem FROM (
                        SELECT 'publication cdc_pub is missing' AS problem WHERE NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'cdc_pub')
                        UNION ALL
                        SELECT 'cdc_pub does not publish via the partition root'
                         WHERE EXISTS (SELECT FROM pg_publication WHERE pubname = 'cdc_pub' AND NOT pubviaroot)
                        UNION ALL
                        SELECT format('cdc_pub publishes %s.%s, which must not be captured', schemaname, tablename)
                          FROM pg_publication_tables pt WHERE pubname = 'cdc_pub' AND schemaname NOT IN ('app', 'cdc')
                           -- erasures are audited like changes (migration 021); the sink never writes them
                           AND (schemaname, tablename) <> ('audit', 'erasures')
                           -- a table of the user's own that `schema enroll` prepared carries the context trigger
                           AND NOT EXISTS (SELECT FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
                                             JOIN pg_namespace n ON n.oid = c.relnamespace
                                            WHERE tg.tgname = 'audit_context' AND n.nspname = pt.schemaname
                                              AND c.relname = pt.tablename)
                    ) p
                    """),
            new Check("the publication covers the example's tables", "010-publication", """
                    SELECT format('cdc_pub does not publish app.%s', t)
                      FROM unnest(ARRAY{APP_TABLES}) t
                     WHERE NOT EXISTS (SELECT FROM pg_publication_tables WHERE pubname = 'cdc_pub' AND schemaname = 'app' AND tablename = t)
                    """.replace("{APP_TABLES}", APP_TABLE_ARRAY)),
            new Check("audited tables carry full before images", "010-article-views-partitions-replica-identity", """
                    SELECT format('%s has REPLICA IDENTITY %s, expected FULL', c.oid::regclass, c.relreplident)
                      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'app' AND c.relkind IN ('r', 'p') AND c.relreplident <> 'f'
                    """),
            new Check("one row's history is indexed and open to analysts only through the functions", "020-audit-history-grants", """
                    SELECT 'audit.change_log has no unique key led by (source_table, primary_key): a row''s history scans the table'
                     WHERE NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'audit.change_log'::regclass AND contype = 'u'
                                          AND pg_get_constraintdef(oid) LIKE 'UNIQUE (source_table, primary_key, %')
                    UNION ALL
                    SELECT format('%s %s execute %s', r, CASE WHEN should THEN 'cannot' ELSE 'can' END, f)
                      FROM (VALUES ('read_only_user', 'audit.row_history(text, jsonb)', true),
                                   ('read_only_user', 'audit.row_as_of(text, jsonb, timestamptz)', true),
                                   ('monitor_user', 'audit.row_history(text, jsonb)', false),
                                   ('cdc_user', 'audit.row_as_of(text, jsonb, timestamptz)', false)) m (r, f, should)
                     WHERE has_function_privilege(r, f, 'EXECUTE') <> should
                    """),
            new Check("personal data keys are closed to analysts, and erasures reach the audit log", "021-audit-erase-subject", """
                    SELECT 'read_only_user can read audit.subject_keys'
                     WHERE has_table_privilege('read_only_user', 'audit.subject_keys', 'SELECT')
                    UNION ALL
                    SELECT 'audit_user can change or delete the keys in audit.subject_keys'
                     WHERE has_table_privilege('audit_user', 'audit.subject_keys', 'UPDATE, DELETE, TRUNCATE')
                    UNION ALL
                    SELECT format('%s %s execute audit.erase_subject', r, CASE WHEN should THEN 'cannot' ELSE 'can' END)
                      FROM (VALUES ('admin_user', true), ('audit_user', false), ('read_only_user', false)) m (r, should)
                     WHERE has_function_privilege(r, 'audit.erase_subject(text, text)', 'EXECUTE') <> should
                    UNION ALL
                    SELECT 'cdc_pub does not publish audit.erasures: erasures would not reach the audit log'
                     WHERE EXISTS (SELECT FROM pg_publication WHERE pubname = 'cdc_pub')
                       AND NOT EXISTS (SELECT FROM pg_publication_tables WHERE pubname = 'cdc_pub' AND schemaname = 'audit'
                                          AND tablename = 'erasures')
                    """),
            new Check("audited tables emit the audit context", "010-audit-context-triggers", """
                    SELECT format('app.%s has no audit_context trigger', t)
                      FROM unnest(ARRAY{APP_TABLES}) t
                     WHERE NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = ('app.' || t)::regclass AND tgname = 'audit_context')
                    """.replace("{APP_TABLES}", APP_TABLE_ARRAY)));

    private SchemaChecks() {
    }
}
