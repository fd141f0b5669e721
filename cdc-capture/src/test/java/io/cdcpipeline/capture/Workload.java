package io.cdcpipeline.capture;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

import io.cdcpipeline.testkit.TestDatabase;

/**
 * A known stream of changes: {@code rows} tag inserts, then an update of each, in transactions of
 * {@code perTransaction} statements. Every change is one captured event: 2 × rows in all.
 */
public final class Workload {

    private Workload() {
    }

    public static void run(TestDatabase db, int orgId, int firstId, int rows, int perTransaction, AtomicInteger changesDone) throws SQLException {
        try (Connection c = db.superuserConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement org = c.prepareStatement("INSERT INTO app.organizations (id, name, slug) VALUES (?, 'w', ?)"
                    + " ON CONFLICT DO NOTHING")) {
                org.setInt(1, orgId);
                org.setString(2, "w-" + orgId);
                org.executeUpdate();
                c.commit();
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO app.tags (id, org_id, name, slug) VALUES (?, ?, 'v1', ?)");
                 PreparedStatement update = c.prepareStatement("UPDATE app.tags SET name = 'v2' WHERE id = ?")) {
                for (int i = 0; i < rows; i++) {
                    int id = firstId + i;
                    insert.setInt(1, id);
                    insert.setInt(2, orgId);
                    insert.setString(3, "s-" + id);
                    insert.executeUpdate();
                    if ((i + 1) % perTransaction == 0) {
                        c.commit();
                        changesDone.addAndGet(perTransaction);
                    }
                }
                c.commit();
                for (int i = 0; i < rows; i++) {
                    update.setInt(1, firstId + i);
                    update.executeUpdate();
                    if ((i + 1) % perTransaction == 0) {
                        c.commit();
                        changesDone.addAndGet(perTransaction);
                    }
                }
                c.commit();
            }
        }
    }
}
