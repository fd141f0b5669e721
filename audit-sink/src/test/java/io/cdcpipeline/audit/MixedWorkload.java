package io.cdcpipeline.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

import io.cdcpipeline.testkit.TestDatabase;

/**
 * 10,000 changes on tags: 4,000 inserts, 4,000 updates of {@code name}, 2,000 deletes, committed
 * in transactions of 20. {@code done} counts committed changes as they go.
 */
final class MixedWorkload {

    static final int CHANGES = 10_000;

    private MixedWorkload() {
    }

    /** {@link #run} on another thread, while the test injects faults. */
    static java.util.concurrent.CompletableFuture<Void> runAsync(TestDatabase db, int org, int firstId, AtomicInteger done) {
        return java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                run(db, org, firstId, done);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static void run(TestDatabase db, int org, int firstId, AtomicInteger done) throws SQLException {
        try (Connection c = db.superuserConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement o = c.prepareStatement("INSERT INTO app.organizations (id, name, slug) VALUES (?, 'mix', ?)"
                    + " ON CONFLICT DO NOTHING")) {
                o.setInt(1, org);
                o.setString(2, "mix-" + org);
                o.executeUpdate();
                c.commit();
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO app.tags (id, org_id, name, slug) VALUES (?, ?, 'n0', ?)");
                 PreparedStatement update = c.prepareStatement("UPDATE app.tags SET name = 'n1' WHERE id = ?");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM app.tags WHERE id = ?")) {
                int n = 0;
                for (int i = 0; i < 4000; i++) {
                    insert.setInt(1, firstId + i);
                    insert.setInt(2, org);
                    insert.setString(3, "mix-" + (firstId + i));
                    insert.executeUpdate();
                    n = commitEvery(c, ++n, done);
                }
                for (int i = 0; i < 4000; i++) {
                    update.setInt(1, firstId + i);
                    update.executeUpdate();
                    n = commitEvery(c, ++n, done);
                }
                for (int i = 0; i < 2000; i++) {
                    delete.setInt(1, firstId + i);
                    delete.executeUpdate();
                    n = commitEvery(c, ++n, done);
                }
                c.commit();
                done.addAndGet(n);
            }
        }
    }

    private static int commitEvery(Connection c, int pending, AtomicInteger done) throws SQLException {
        if (pending == 20) {
            c.commit();
            done.addAndGet(pending);
            return 0;
        }
        return pending;
    }
}
