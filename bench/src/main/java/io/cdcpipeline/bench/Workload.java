package io.cdcpipeline.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Random;

import io.cdcpipeline.testkit.TestDatabase;

/**
 * 100-row transactions: 30 article and 30 comment inserts, 30 article updates, 10 deletes of
 * the oldest comments. As the superuser (no row-level security on the way).
 */
final class Workload {

    /** One seed for every benchmark that runs this workload, so they all commit the same changes. */
    private static final long SEED = 20261203L;
    private static final int ROWS_PER_TX = 100;
    private static final int SEED_ARTICLES = 2_000;
    private static final int SEED_COMMENTS = 4_000;

    /** Changes by operation. */
    record Counts(long inserts, long updates, long deletes) {
        long total() {
            return inserts + updates + deletes;
        }

        Counts plus(Counts o) {
            return new Counts(inserts + o.inserts, updates + o.updates, deletes + o.deletes);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,d / %,d / %,d", inserts, updates, deletes);
        }
    }

    /**
     * The rows one transaction inserted: articles {@code [firstArticle, firstArticle + 30)} and
     * comments {@code [firstComment, firstComment + 30)}, each captured once with op c. Their
     * keys spread over every partition of both topics, so once a pipeline wrote all of a phase's
     * last transaction, it is (almost always) done with the phase: a lookup by key, where counting
     * a phase's rows costs PostgreSQL a scan.
     */
    record Inserted(long firstArticle, long firstComment) {
        static final int EACH = 30;

        long rows() {
            return 2L * EACH;
        }
    }

    private final TestDatabase db;
    private final Random random;
    private long nextArticle;
    private long nextComment;
    private final Deque<Long> comments = new ArrayDeque<>();
    private java.sql.Timestamp lastStart;
    private Duration lastDuration = Duration.ZERO;
    private Inserted firstOfPhase;
    private Inserted lastOfPhase;

    Workload(TestDatabase db) {
        this.db = db;
        this.random = new Random(SEED);
    }

    /** The rows the changes work on (2,000 articles, 4,000 comments), committed before any slot exists. */
    void seed() {
        int articles = SEED_ARTICLES;
        int commentCount = SEED_COMMENTS;
        db.execute("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'Bench', 'bench');"
                + " INSERT INTO app.users (id, org_id, email, username, password_hash)"
                + " SELECT g, 1, 'u' || g || '@b.io', 'u' || g, 'h' FROM generate_series(1, 100) g;"
                + " INSERT INTO app.articles (id, org_id, author_id, slug, title, summary, status, published_at)"
                + " SELECT g, 1, 1 + g % 100, 'a-' || g, 'Article ' || g, repeat('summary ', 10), 'published', now()"
                + " FROM generate_series(1, " + articles + ") g;"
                + " INSERT INTO app.comments (id, org_id, article_id, author_id, body)"
                + " SELECT g, 1, 1 + g % " + articles + ", 1 + g % 100, 'comment ' || g FROM generate_series(1, " + commentCount + ") g");
        nextArticle = articles + 1;
        nextComment = commentCount + 1;
        for (long id = 1; id <= commentCount; id++) {
            comments.add(id);
        }
    }

    /** Commits {@code changes} (a multiple of 100), paced at {@code rate} changes/s (0: as fast as possible). */
    Counts commit(int changes, int rate) throws SQLException {
        int transactions = changes / ROWS_PER_TX;
        long started = System.nanoTime();
        try (Connection c = db.superuserConnection();
             PreparedStatement insertArticle = c.prepareStatement("INSERT INTO app.articles (id, org_id, author_id, slug, title,"
                     + " summary, status, published_at) VALUES (?, 1, ?, ?, ?, ?, 'published', now())");
             PreparedStatement insertComment = c.prepareStatement("INSERT INTO app.comments (id, org_id, article_id, author_id,"
                     + " body) VALUES (?, 1, ?, ?, ?)");
             PreparedStatement update = c.prepareStatement("UPDATE app.articles SET title = ?, updated_at = now() WHERE id = ?");
             PreparedStatement delete = c.prepareStatement("DELETE FROM app.comments WHERE id = ?");
             Statement now = c.createStatement()) {
            try (ResultSet rs = now.executeQuery("SELECT clock_timestamp()")) {
                rs.next();
                lastStart = rs.getTimestamp(1);
            }
            c.setAutoCommit(false);
            for (int tx = 0; tx < transactions; tx++) {
                if (rate > 0) {
                    long due = started + (long) (tx * (ROWS_PER_TX * 1e9 / rate));
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                lastOfPhase = new Inserted(nextArticle, nextComment);
                if (tx == 0) {
                    firstOfPhase = lastOfPhase;
                }
                for (int i = 0; i < Inserted.EACH; i++) {
                    long id = nextArticle++;
                    insertArticle.setLong(1, id);
                    insertArticle.setLong(2, 1 + random.nextInt(100));
                    insertArticle.setString(3, "a-" + id);
                    insertArticle.setString(4, "Article " + id);
                    insertArticle.setString(5, "a summary of article " + id + " of about the size of a real one");
                    insertArticle.addBatch();
                    long comment = nextComment++;
                    insertComment.setLong(1, comment);
                    insertComment.setLong(2, 1 + random.nextInt((int) Math.min(Integer.MAX_VALUE, nextArticle - 1)));
                    insertComment.setLong(3, 1 + random.nextInt(100));
                    insertComment.setString(4, "comment " + comment + ": " + "text ".repeat(8));
                    insertComment.addBatch();
                    comments.add(comment);
                    update.setString(1, "Article (revision " + random.nextInt(1_000_000) + ")");
                    update.setLong(2, 1 + random.nextInt((int) (nextArticle - 1)));
                    update.addBatch();
                }
                for (int i = 0; i < 10; i++) {
                    delete.setLong(1, comments.removeFirst());
                    delete.addBatch();
                }
                insertArticle.executeBatch();
                insertComment.executeBatch();
                update.executeBatch();
                delete.executeBatch();
                c.commit();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        lastDuration = Duration.ofNanos(System.nanoTime() - started);
        return new Counts(60L * transactions, 30L * transactions, 10L * transactions);
    }

    /** What the first transaction of the last phase inserted. */
    Inserted lastPhaseFirstTransaction() {
        return firstOfPhase;
    }

    /** What the last transaction of the last phase inserted. */
    Inserted lastPhaseLastTransaction() {
        return lastOfPhase;
    }

    java.sql.Timestamp lastPhaseStart() {
        return lastStart;
    }

    Duration lastPhaseDuration() {
        return lastDuration;
    }
}
