package io.cdcpipeline.interop;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Random;

import org.postgresql.PGConnection;

import io.cdcpipeline.capture.CaptureFixture;

/**
 * What the change topics must carry for a client no one here wrote: inserts, updates, a bulk
 * {@code COPY}, a key-changing update, deletes (and their tombstones), a {@code TRUNCATE} and rows
 * written after it, a big transaction, NULLs, quotes and non-ASCII text. Seeded, so a failure
 * replays.
 */
final class ContractWorkload {

    /** The tables it changes, in foreign-key order. */
    static final java.util.List<String> TABLES = java.util.List.of("organizations", "users", "tags", "articles", "comments");

    private ContractWorkload() {
    }

    static void run(CaptureFixture f, long seed) throws SQLException {
        Random random = new Random(seed);
        f.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'Org ''one''', 'org-1'), (2, 'Zweite Größe', 'org-2')",
                "INSERT INTO app.users (id, org_id, email, username, password_hash, display_name) VALUES"
                        + " (1, 1, 'ada@example.com', 'ada', 'x', 'Ada L.'), (2, 2, 'bo@example.com', 'bo', 'x', NULL)");
        try (Connection c = f.db.superuserConnection()) {
            StringBuilder rows = new StringBuilder();
            for (int id = 1; id <= 300; id++) {
                rows.append(id).append('\t').append(1 + random.nextInt(2)).append("\ttag ").append(id).append("\ttag-").append(id)
                        .append('\n');
            }
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY app.tags (id, org_id, name, slug) FROM STDIN",
                    new StringReader(rows.toString()));
        } catch (java.io.IOException e) {
            throw new SQLException(e);
        }
        // One big transaction: 500 articles.
        String[] statements = new String[500];
        for (int id = 1; id <= 500; id++) {
            statements[id - 1] = "INSERT INTO app.articles (id, org_id, author_id, slug, title, summary, status) VALUES (" + id + ", 1, "
                    + (1 + random.nextInt(2)) + ", 'a-" + id + "', 'Title " + id + " « ünïcode »', "
                    + (random.nextBoolean() ? "NULL" : "'summary " + id + "'") + ", 'draft')";
        }
        f.sql(statements);
        for (int i = 0; i < 200; i++) {
            int id = 1 + random.nextInt(500);
            switch (random.nextInt(4)) {
                case 0 -> f.sql("UPDATE app.articles SET status = 'published', published_at = now() WHERE id = " + id);
                case 1 -> f.sql("UPDATE app.articles SET title = 'Edited " + i + "', summary = NULL WHERE id = " + id);
                case 2 -> f.sql("INSERT INTO app.comments (org_id, article_id, author_id, body) SELECT 1, id, 2, 'comment " + i
                        + "' FROM app.articles WHERE id = " + id);
                default -> f.sql("DELETE FROM app.comments WHERE id = (SELECT min(id) FROM app.comments WHERE article_id = " + id + ")");
            }
        }
        // Key changes: the row leaves its old key (a delete of it) and appears under the new one.
        f.sql("UPDATE app.tags SET id = id + 10000 WHERE id BETWEEN 1 AND 20",
                "UPDATE app.users SET display_name = 'Ada Lovelace', is_active = false WHERE id = 1");
        f.sql("DELETE FROM app.tags WHERE id BETWEEN 100 AND 150", "DELETE FROM app.articles WHERE id BETWEEN 480 AND 500");
        // A TRUNCATE, then life goes on.
        f.sql("TRUNCATE app.tags CASCADE");
        f.sql("INSERT INTO app.tags (id, org_id, name, slug) VALUES (5000, 1, 'after truncate', 'after-truncate'),"
                + " (5001, 2, 'tab\tand \"quotes\"', 'odd')");
    }
}
