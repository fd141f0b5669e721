package io.cdcpipeline.analytics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The row of {@code analytics.refresh_state} that tells {@link ViewRefresher} the materialized view
 * {@link #VIEW} is stale. Everything the view reads marks it here: the daily stats the sink writes
 * and the articles it joins (their change topic).
 */
final class RefreshState {

    static final String VIEW = "analytics.article_analytics";

    private RefreshState() {
    }

    /**
     * Marks the view stale in the caller's transaction, keeping the time it first became stale. The
     * update also gives the row a new version ({@code xmin}), which is how a refresh running
     * meanwhile learns that it may not mark the view current.
     */
    static void markStale(Connection tx) throws SQLException {
        try (PreparedStatement stale = tx.prepareStatement("UPDATE analytics.refresh_state SET dirty_since ="
                + " coalesce(dirty_since, now()), last_change_at = now() WHERE view_name = ?")) {
            stale.setString(1, VIEW);
            stale.executeUpdate();
        }
    }
}
