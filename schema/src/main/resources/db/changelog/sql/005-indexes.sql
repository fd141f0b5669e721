--liquibase formatted sql

--changeset cdc:005-articles-searchable-gin runInTransaction:false context:example
--comment: full-text search over the generated searchable column. CONCURRENTLY, so it can be added to a live table; a failed build leaves an INVALID index, dropped first on a retry and reported by `schema verify`.
DROP INDEX CONCURRENTLY IF EXISTS app.idx_articles_searchable;
CREATE INDEX CONCURRENTLY idx_articles_searchable ON app.articles USING gin (searchable);
--rollback DROP INDEX CONCURRENTLY IF EXISTS app.idx_articles_searchable;

--changeset cdc:005-users-active-email runInTransaction:false context:example
--comment: the seed's partial index: login look-ups of active users by e-mail
DROP INDEX CONCURRENTLY IF EXISTS app.idx_users_active;
CREATE INDEX CONCURRENTLY idx_users_active ON app.users (email) WHERE is_active;
--rollback DROP INDEX CONCURRENTLY IF EXISTS app.idx_users_active;

--changeset cdc:005-articles-author-status-covering runInTransaction:false context:example
--comment: the seed's covering index: an author's articles by status, answered from the index alone
DROP INDEX CONCURRENTLY IF EXISTS app.idx_articles_author_status_covering;
CREATE INDEX CONCURRENTLY idx_articles_author_status_covering ON app.articles (author_id, status) INCLUDE (id, title, published_at);
--rollback DROP INDEX CONCURRENTLY IF EXISTS app.idx_articles_author_status_covering;

--changeset cdc:005-foreign-key-indexes context:example
--comment: indexes for the foreign keys the services and RLS policies filter on (tables are new here, so no CONCURRENTLY needed)
CREATE INDEX idx_users_org ON app.users (org_id);
CREATE INDEX idx_memberships_user ON app.memberships (user_id);
CREATE INDEX idx_articles_org_status ON app.articles (org_id, status);
CREATE INDEX idx_articles_category ON app.articles (category_id);
CREATE INDEX idx_article_tags_tag ON app.article_tags (tag_id);
CREATE INDEX idx_comments_article ON app.comments (article_id, created_at);
CREATE INDEX idx_comments_author ON app.comments (author_id);
CREATE INDEX idx_user_favorites_article ON app.user_favorites (article_id);
CREATE INDEX idx_user_sessions_user ON app.user_sessions (user_id);
CREATE INDEX idx_user_sessions_expires ON app.user_sessions (expires_at);
--rollback DROP INDEX app.idx_user_sessions_expires;
--rollback DROP INDEX app.idx_user_sessions_user;
--rollback DROP INDEX app.idx_user_favorites_article;
--rollback DROP INDEX app.idx_comments_author;
--rollback DROP INDEX app.idx_comments_article;
--rollback DROP INDEX app.idx_article_tags_tag;
--rollback DROP INDEX app.idx_articles_category;
--rollback DROP INDEX app.idx_articles_org_status;
--rollback DROP INDEX app.idx_memberships_user;
--rollback DROP INDEX app.idx_users_org;
