--liquibase formatted sql

--changeset cdc:006-rls-user-owned context:example
--comment: user data is visible only to its owner: app.user_id set by the application with SET LOCAL. Analysts and the capture role read everything (cdc_user must, for snapshots).
ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.user_preferences ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.user_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.user_favorites ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_owner ON app.users FOR ALL TO app_user
    USING (id = app.current_user_id()) WITH CHECK (id = app.current_user_id());
CREATE POLICY user_preferences_owner ON app.user_preferences FOR ALL TO app_user
    USING (user_id = app.current_user_id()) WITH CHECK (user_id = app.current_user_id());
CREATE POLICY user_sessions_owner ON app.user_sessions FOR ALL TO app_user
    USING (user_id = app.current_user_id()) WITH CHECK (user_id = app.current_user_id());
CREATE POLICY user_favorites_owner ON app.user_favorites FOR ALL TO app_user
    USING (user_id = app.current_user_id()) WITH CHECK (user_id = app.current_user_id());
CREATE POLICY users_readers ON app.users FOR SELECT TO read_only_user, cdc_user USING (true);
CREATE POLICY user_preferences_readers ON app.user_preferences FOR SELECT TO read_only_user, cdc_user USING (true);
CREATE POLICY user_sessions_readers ON app.user_sessions FOR SELECT TO read_only_user, cdc_user USING (true);
CREATE POLICY user_favorites_readers ON app.user_favorites FOR SELECT TO read_only_user, cdc_user USING (true);
--rollback DROP POLICY user_favorites_readers ON app.user_favorites;
--rollback DROP POLICY user_sessions_readers ON app.user_sessions;
--rollback DROP POLICY user_preferences_readers ON app.user_preferences;
--rollback DROP POLICY users_readers ON app.users;
--rollback DROP POLICY user_favorites_owner ON app.user_favorites;
--rollback DROP POLICY user_sessions_owner ON app.user_sessions;
--rollback DROP POLICY user_preferences_owner ON app.user_preferences;
--rollback DROP POLICY users_owner ON app.users;
--rollback ALTER TABLE app.user_favorites DISABLE ROW LEVEL SECURITY;
--rollback ALTER TABLE app.user_sessions DISABLE ROW LEVEL SECURITY;
--rollback ALTER TABLE app.user_preferences DISABLE ROW LEVEL SECURITY;
--rollback ALTER TABLE app.users DISABLE ROW LEVEL SECURITY;

--changeset cdc:006-rls-organization-scoped context:example
--comment: organization data is visible only within app.org_id, for reads and writes
ALTER TABLE app.organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.articles ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.article_tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.comments ENABLE ROW LEVEL SECURITY;
CREATE POLICY organizations_member ON app.organizations FOR ALL TO app_user
    USING (id = app.current_org_id()) WITH CHECK (id = app.current_org_id());
CREATE POLICY memberships_org ON app.memberships FOR ALL TO app_user
    USING (org_id = app.current_org_id()) WITH CHECK (org_id = app.current_org_id());
CREATE POLICY categories_org ON app.categories FOR ALL TO app_user
    USING (org_id = app.current_org_id()) WITH CHECK (org_id = app.current_org_id());
CREATE POLICY tags_org ON app.tags FOR ALL TO app_user
    USING (org_id = app.current_org_id()) WITH CHECK (org_id = app.current_org_id());
CREATE POLICY articles_org ON app.articles FOR ALL TO app_user
    USING (org_id = app.current_org_id()) WITH CHECK (org_id = app.current_org_id());
CREATE POLICY article_tags_org ON app.article_tags FOR ALL TO app_user
    USING (org_id = app.current_org_id()) WITH CHECK (org_id = app.current_org_id());
CREATE POLICY comments_org ON app.comments FOR ALL TO app_user
    USING (org_id = app.current_org_id()) WITH CHECK (org_id = app.current_org_id());
CREATE POLICY organizations_readers ON app.organizations FOR SELECT TO read_only_user, cdc_user USING (true);
CREATE POLICY memberships_readers ON app.memberships FOR SELECT TO read_only_user, cdc_user USING (true);
CREATE POLICY categories_readers ON app.categories FOR SELECT TO read_only_user, cdc_user USING (true);
CREATE POLICY tags_readers ON app.tags FOR SELECT TO read_only_user, cdc_user USING (true);
CREATE POLICY articles_readers ON app.articles FOR SELECT TO read_only_user, cdc_user USING (true);
CREATE POLICY article_tags_readers ON app.article_tags FOR SELECT TO read_only_user, cdc_user USING (true);
CREATE POLICY comments_readers ON app.comments FOR SELECT TO read_only_user, cdc_user USING (true);
--rollback DROP POLICY comments_readers ON app.comments;
--rollback DROP POLICY article_tags_readers ON app.article_tags;
--rollback DROP POLICY articles_readers ON app.articles;
--rollback DROP POLICY tags_readers ON app.tags;
--rollback DROP POLICY categories_readers ON app.categories;
--rollback DROP POLICY memberships_readers ON app.memberships;
--rollback DROP POLICY organizations_readers ON app.organizations;
--rollback DROP POLICY comments_org ON app.comments;
--rollback DROP POLICY article_tags_org ON app.article_tags;
--rollback DROP POLICY articles_org ON app.articles;
--rollback DROP POLICY tags_org ON app.tags;
--rollback DROP POLICY categories_org ON app.categories;
--rollback DROP POLICY memberships_org ON app.memberships;
--rollback DROP POLICY organizations_member ON app.organizations;
--rollback ALTER TABLE app.comments DISABLE ROW LEVEL SECURITY;
--rollback ALTER TABLE app.article_tags DISABLE ROW LEVEL SECURITY;
--rollback ALTER TABLE app.articles DISABLE ROW LEVEL SECURITY;
--rollback ALTER TABLE app.tags DISABLE ROW LEVEL SECURITY;
--rollback ALTER TABLE app.categories DISABLE ROW LEVEL SECURITY;
--rollback ALTER TABLE app.memberships DISABLE ROW LEVEL SECURITY;
--rollback ALTER TABLE app.organizations DISABLE ROW LEVEL SECURITY;
