package io.cdcpipeline.cache;

import java.util.Map;
import java.util.Set;

/**
 * The columns of each application table, as the change topics carry them: what key rules may
 * refer to. {@code ApplicationTablesIT} compares it with a migrated database, so it cannot drift
 * from the schema unnoticed.
 */
final class ApplicationTables {

    static final Map<String, Set<String>> COLUMNS = Map.ofEntries(
            Map.entry("app.organizations", Set.of("id", "name", "slug", "created_at")),
            Map.entry("app.users", Set.of("id", "org_id", "email", "username", "display_name", "is_active", "created_at",
                    "updated_at")),
            Map.entry("app.memberships", Set.of("org_id", "user_id", "role", "created_at")),
            Map.entry("app.categories", Set.of("id", "org_id", "name", "slug")),
            Map.entry("app.tags", Set.of("id", "org_id", "name", "slug")),
            Map.entry("app.articles", Set.of("id", "org_id", "author_id", "category_id", "slug", "title", "summary", "content",
                    "status", "published_at", "created_at", "updated_at")),
            Map.entry("app.article_tags", Set.of("article_id", "tag_id", "org_id")),
            Map.entry("app.comments", Set.of("id", "org_id", "article_id", "author_id", "body", "created_at", "updated_at")),
            Map.entry("app.user_favorites", Set.of("user_id", "article_id", "created_at")),
            Map.entry("app.user_preferences", Set.of("user_id", "preferences", "updated_at")),
            Map.entry("app.user_sessions", Set.of("id", "user_id", "created_at", "expires_at", "last_seen_at", "user_agent",
                    "client_ip")),
            Map.entry("app.article_views", Set.of("id", "article_id", "user_id", "created_at")));

    private ApplicationTables() {
    }
}
