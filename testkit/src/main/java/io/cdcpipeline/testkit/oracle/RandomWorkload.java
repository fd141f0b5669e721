package io.cdcpipeline.testkit.oracle;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

import org.postgresql.PGConnection;

/**
 * A randomized, seeded application workload on every application table, from several connections
 * with interleaved transactions: single- and multi-row INSERT/UPDATE/DELETE, COPY FROM,
 * INSERT ... SELECT, primary-key-changing UPDATEs, views moved to another month's partition,
 * deletes of rows inserted in the same transaction, savepoints rolled back, whole transactions
 * rolled back, transactions larger than a sink batch, TOASTed values changed and left unchanged,
 * TRUNCATE, and ON DELETE CASCADE.
 *
 * <p>Worker {@code w} draws from {@code new Random(seed + w)} and writes rows in its own id range,
 * so a seed replays the same plan on each connection (their interleaving is the scheduler's).
 * A statement that fails (a deadlock with another worker, a row another one truncated) rolls its
 * transaction back, which the oracle must then not see either.
 */
public final class RandomWorkload {

    /** Opens a connection to the database under test (the superuser: row-level security is not what is tested). */
    public interface Connections {
        Connection open() throws SQLException;
    }

    /** What the workload did, by kind of statement and by outcome of transactions. */
    public static final class Stats {
        final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

        void add(String what) {
            counts.computeIfAbsent(what, k -> new LongAdder()).increment();
        }

        public long get(String what) {
            LongAdder a = counts.get(what);
            return a == null ? 0 : a.sum();
        }

        @Override
        public String toString() {
            return new java.util.TreeMap<>(counts).toString();
        }
    }

    private static final long RANGE = 10_000_000L;
    private static final long KEY_SHIFT = 5_000_000L;
    private static final String[] TRUNCATABLE = {"app.article_views", "app.user_favorites", "app.article_tags", "app.comments"};

    private final Connections connections;
    private final long seed;
    private final int workers;
    private final int bigTransactionRows;
    private final long pauseMillis;
    private final Stats stats = new Stats();

    /**
     * @param bigTransactionRows rows of the occasional large transaction: more than a sink batch
     * @param pauseMillis        each connection's pause between transactions: flat out (0), three
     *                           connections write faster than capture reads on two cores, and a
     *                           long run would outgrow the slot's WAL limit
     */
    public RandomWorkload(Connections connections, long seed, int workers, int bigTransactionRows, long pauseMillis) {
        this.connections = connections;
        this.seed = seed;
        this.workers = workers;
        this.bigTransactionRows = bigTransactionRows;
        this.pauseMillis = pauseMillis;
    }

    public Stats stats() {
        return stats;
    }

    /** Runs every worker until {@code done} says so (checked between transactions); rethrows what is not a SQL failure. */
    public void run(BooleanSupplier done) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                Worker worker = new Worker(w);
                running.add(pool.submit(() -> {
                    worker.run(() -> stop.get() || done.getAsBoolean());
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }

    private final class Worker {
        private final int index;
        private final Random random;
        private final long base;
        private long nextId;

        Worker(int index) {
            this.index = index;
            this.random = new Random(seed + index);
            this.base = (index + 1) * RANGE;
            this.nextId = base;
        }

        long id() {
            return nextId++;
        }

        /** Transactions until {@code done}; a lost connection (PostgreSQL restarting) is opened again. */
        void run(BooleanSupplier done) throws Exception {
            boolean setUp = false;
            while (!done.getAsBoolean()) {
                try (Connection c = connections.open()) {
                    c.setAutoCommit(false);
                    if (!setUp) {
                        setUp(c);
                        setUp = true;
                    }
                    while (!done.getAsBoolean()) {
                        transaction(c);
                        if (pauseMillis > 0) {
                            Thread.sleep(pauseMillis);
                        }
                    }
                } catch (SQLException e) {
                    if (!connectionLost(e)) {
                        throw e;
                    }
                    stats.add("reconnect");
                    Thread.sleep(500);
                }
            }
        }

        /** The worker's organization, users, category, tag and first articles. */
        private void setUp(Connection c) throws SQLException {
            nextId = base;
            long org = base;
            exec(c, "INSERT INTO app.organizations (id, name, slug) VALUES (" + org + ", 'org " + index + "', 'org-" + index + "')");
            for (int i = 0; i < 10; i++) {
                insertUser(c);
            }
            exec(c, "INSERT INTO app.categories (id, org_id, name, slug) VALUES (" + id() + ", " + org + ", 'news', 'news-" + index + "')");
            for (int i = 0; i < 5; i++) {
                exec(c, "INSERT INTO app.tags (id, org_id, name, slug) VALUES (" + id() + ", " + org + ", 'tag', 'tag-" + index + "-" + i + "')");
            }
            for (int i = 0; i < 10; i++) {
                insertArticle(c);
            }
            c.commit();
        }

        private void transaction(Connection c) throws SQLException {
            try {
                actor(c);
                int shape = random.nextInt(100);
                if (shape < 45) {
                    statements(c, 1 + random.nextInt(5));
                    commit(c, "small");
                } else if (shape < 60) {
                    bulk(c);
                    commit(c, "bulk");
                } else if (shape < 64) {
                    big(c);
                    commit(c, "big");
                } else if (shape < 74) {
                    statements(c, 1 + random.nextInt(4));
                    c.rollback();
                    stats.add("tx rolled back");
                } else if (shape < 86) {
                    statements(c, 1 + random.nextInt(3));
                    Savepoint sp = c.setSavepoint();
                    statements(c, 1 + random.nextInt(3));
                    c.rollback(sp);
                    stats.add("savepoint rolled back");
                    statements(c, 1 + random.nextInt(2));
                    commit(c, "with savepoint");
                } else if (shape < 88) {
                    String table = TRUNCATABLE[random.nextInt(TRUNCATABLE.length)];
                    exec(c, "TRUNCATE " + table);
                    stats.add("truncate " + table);
                    commit(c, "truncate");
                } else {
                    cascade(c);
                    commit(c, "cascade");
                }
            } catch (SQLException e) {
                c.rollback();
                stats.add("tx failed " + e.getSQLState());
            }
        }

        private void commit(Connection c, String shape) throws SQLException {
            c.commit();
            stats.add("tx committed");
            stats.add("tx " + shape);
        }

        private void actor(Connection c) throws SQLException {
            exec(c, "SET LOCAL app.user_id = '" + (base + random.nextInt(10)) + "'");
            exec(c, "SET LOCAL app.org_id = '" + base + "'");
        }

        private void statements(Connection c, int n) throws SQLException {
            for (int i = 0; i < n; i++) {
                statement(c);
            }
        }

        private void statement(Connection c) throws SQLException {
            switch (random.nextInt(16)) {
                case 0 -> insertUser(c);
                case 1 -> exec(c, "UPDATE app.users SET display_name = 'name " + random.nextInt(1000) + "', updated_at = now()"
                        + " WHERE id = " + pick(c, "app.users"));
                case 2 -> insertArticle(c);
                case 3 -> exec(c, "UPDATE app.articles SET title = 'title " + random.nextInt(1000) + "', updated_at = now()"
                        + " WHERE id = " + pick(c, "app.articles"));     // content (TOASTed) unchanged
                case 4 -> exec(c, "UPDATE app.articles SET content = " + literal(longText()) + ", status = 'published',"
                        + " published_at = now() WHERE id = " + pick(c, "app.articles"));   // content changed
                case 5 -> insertComments(c, 1 + random.nextInt(3));
                case 6 -> exec(c, "UPDATE app.comments SET body = 'edited " + random.nextInt(1000) + "' WHERE id = "
                        + pick(c, "app.comments"));
                case 7 -> exec(c, "DELETE FROM app.comments WHERE id = " + pick(c, "app.comments"));
                case 8 -> changeCommentKeys(c);
                case 9 -> insertViews(c, 1 + random.nextInt(5));
                case 10 -> moveViews(c);
                case 11 -> favorites(c);
                case 12 -> preferences(c);
                case 13 -> sessions(c);
                case 14 -> insertAndDeleteInSameTransaction(c);
                default -> tagsAndMemberships(c);
            }
        }

        private void bulk(Connection c) throws SQLException {
            switch (random.nextInt(3)) {
                case 0 -> copyComments(c, 20 + random.nextInt(300));
                case 1 -> insertViews(c, 50 + random.nextInt(400));
                default -> {
                    // INSERT ... SELECT: one statement, many rows
                    exec(c, "INSERT INTO app.article_tags (article_id, tag_id, org_id) SELECT a.id, t.id, " + base
                            + " FROM app.articles a CROSS JOIN app.tags t WHERE a.id BETWEEN " + base + " AND " + (base + RANGE - 1)
                            + " AND t.id BETWEEN " + base + " AND " + (base + RANGE - 1) + " ON CONFLICT DO NOTHING");
                    stats.add("insert-select article_tags");
                }
            }
        }

        /** More rows than a sink batch, in one transaction. */
        private void big(Connection c) throws SQLException {
            insertViews(c, bigTransactionRows / 2);
            copyComments(c, bigTransactionRows / 2);
            exec(c, "UPDATE app.comments SET updated_at = now() WHERE id IN (SELECT id FROM app.comments WHERE id BETWEEN " + base
                    + " AND " + (base + RANGE - 1) + " ORDER BY id DESC LIMIT " + bigTransactionRows / 2 + ")");
            stats.add("update many comments");
        }

        /** Deleting an article removes its comments, tags and favorites by ON DELETE CASCADE. */
        private void cascade(Connection c) throws SQLException {
            long article = pick(c, "app.articles");
            insertComments(c, 2, article);
            exec(c, "INSERT INTO app.user_favorites (user_id, article_id) VALUES (" + pick(c, "app.users") + ", " + article
                    + ") ON CONFLICT DO NOTHING");
            exec(c, "DELETE FROM app.articles WHERE id = " + article);
            stats.add("cascade delete");
            insertArticle(c);
        }

        private void insertUser(Connection c) throws SQLException {
            long id = id();
            exec(c, "INSERT INTO app.users (id, org_id, email, username, password_hash, display_name) VALUES (" + id + ", " + base
                    + ", 'u" + id + "@example.org', 'u" + id + "', 'hash', 'user " + id + "')");
            exec(c, "INSERT INTO app.memberships (org_id, user_id, role) VALUES (" + base + ", " + id + ", 'member')");
        }

        private void insertArticle(Connection c) throws SQLException {
            long id = id();
            exec(c, "INSERT INTO app.articles (id, org_id, author_id, slug, title, summary, content) VALUES (" + id + ", " + base
                    + ", " + (base + random.nextInt(10)) + ", 'a-" + id + "', 'title', 'summary', " + literal(longText()) + ")");
        }

        private void insertComments(Connection c, int n) throws SQLException {
            insertComments(c, n, pick(c, "app.articles"));
        }

        private void insertComments(Connection c, int n, long article) throws SQLException {
            StringBuilder values = new StringBuilder();
            for (int i = 0; i < n; i++) {
                values.append(i > 0 ? ", " : "").append("(").append(id()).append(", ").append(base).append(", ").append(article)
                        .append(", ").append(base + random.nextInt(10)).append(", 'comment', ").append(timeLiteral()).append(")");
            }
            exec(c, "INSERT INTO app.comments (id, org_id, article_id, author_id, body, created_at) VALUES " + values);
            stats.add("insert comments");
        }

        private void copyComments(Connection c, int n) throws SQLException {
            long article = pick(c, "app.articles");
            StringBuilder rows = new StringBuilder();
            for (int i = 0; i < n; i++) {
                rows.append(id()).append('\t').append(base).append('\t').append(article).append('\t')
                        .append(base + random.nextInt(10)).append("\tcopied\n");
            }
            try {
                c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY app.comments (id, org_id, article_id, author_id, body) FROM STDIN",
                        new StringReader(rows.toString()));
            } catch (java.io.IOException e) {
                throw new SQLException("COPY failed", e);
            }
            stats.add("copy comments");
        }

        /** A key-changing UPDATE: logical decoding reports a delete of the old key and a create of the new. */
        private void changeCommentKeys(Connection c) throws SQLException {
            exec(c, "UPDATE app.comments SET id = id + " + KEY_SHIFT + " WHERE id IN (SELECT id FROM app.comments WHERE id BETWEEN "
                    + base + " AND " + (base + KEY_SHIFT - 1) + " ORDER BY id OFFSET " + random.nextInt(50) + " LIMIT "
                    + (1 + random.nextInt(5)) + ")");
            stats.add("comment key change");
        }

        private void insertViews(Connection c, int n) throws SQLException {
            exec(c, "INSERT INTO app.article_views (article_id, user_id, created_at) SELECT " + pick(c, "app.articles") + ", "
                    + (base + random.nextInt(10)) + ", " + timeLiteral() + " - g * interval '1 minute' FROM generate_series(1, " + n + ") g");
            stats.add("insert views");
        }

        /** Views moved by more than a month: most land in another partition (a delete and an insert underneath). */
        private void moveViews(Connection c) throws SQLException {
            exec(c, "UPDATE app.article_views SET created_at = created_at + interval '" + (random.nextBoolean() ? 35 : -35)
                    + " days' WHERE (id, created_at) IN (SELECT id, created_at FROM app.article_views WHERE user_id BETWEEN " + base
                    + " AND " + (base + RANGE - 1) + " ORDER BY id OFFSET " + random.nextInt(50) + " LIMIT " + (1 + random.nextInt(5)) + ")");
            stats.add("move views");
        }

        private void favorites(Connection c) throws SQLException {
            if (random.nextBoolean()) {
                exec(c, "INSERT INTO app.user_favorites (user_id, article_id, created_at) VALUES (" + pick(c, "app.users") + ", "
                        + pick(c, "app.articles") + ", " + timeLiteral() + ") ON CONFLICT DO NOTHING");
            } else {
                exec(c, "DELETE FROM app.user_favorites WHERE (user_id, article_id) IN (SELECT user_id, article_id FROM app.user_favorites"
                        + " WHERE user_id BETWEEN " + base + " AND " + (base + RANGE - 1) + " LIMIT 1)");
            }
            stats.add("favorites");
        }

        private void preferences(Connection c) throws SQLException {
            exec(c, "INSERT INTO app.user_preferences (user_id, preferences) VALUES (" + pick(c, "app.users") + ", '{\"theme\": \""
                    + (random.nextBoolean() ? "dark" : "light") + "\", \"size\": " + random.nextInt(30) + ", \"tags\": [1, 2]}')"
                    + " ON CONFLICT (user_id) DO UPDATE SET preferences = EXCLUDED.preferences, updated_at = now()");
            stats.add("preferences");
        }

        private void sessions(Connection c) throws SQLException {
            if (random.nextInt(3) > 0) {
                exec(c, "INSERT INTO app.user_sessions (user_id, expires_at, user_agent, client_ip) VALUES (" + pick(c, "app.users")
                        + ", now() + interval '1 day', 'agent', '10.1." + random.nextInt(256) + "." + random.nextInt(256) + "')");
            } else {
                exec(c, "DELETE FROM app.user_sessions WHERE id IN (SELECT id FROM app.user_sessions WHERE user_id BETWEEN " + base
                        + " AND " + (base + RANGE - 1) + " LIMIT 2)");
            }
            stats.add("sessions");
        }

        private void insertAndDeleteInSameTransaction(Connection c) throws SQLException {
            long id = id();
            exec(c, "INSERT INTO app.tags (id, org_id, name, slug) VALUES (" + id + ", " + base + ", 'brief', 'brief-" + id + "')");
            exec(c, "UPDATE app.tags SET name = 'briefer' WHERE id = " + id);
            exec(c, "DELETE FROM app.tags WHERE id = " + id);
            stats.add("insert-update-delete same tx");
        }

        private void tagsAndMemberships(Connection c) throws SQLException {
            exec(c, "UPDATE app.memberships SET role = '" + (random.nextBoolean() ? "editor" : "member") + "' WHERE org_id = " + base
                    + " AND user_id = " + pick(c, "app.users"));
            exec(c, "UPDATE app.organizations SET name = 'org " + index + " v" + random.nextInt(100) + "' WHERE id = " + base);
            stats.add("memberships");
        }

        /** One of this worker's rows of {@code table} (by id), or -1 when it has none. */
        private long pick(Connection c, String table) throws SQLException {
            try (Statement s = c.createStatement(); var rs = s.executeQuery("SELECT id FROM " + table + " WHERE id BETWEEN " + base
                    + " AND " + (base + RANGE - 1) + " ORDER BY id OFFSET " + random.nextInt(20) + " LIMIT 1")) {
                if (rs.next()) {
                    return rs.getLong(1);
                }
            }
            try (Statement s = c.createStatement(); var rs = s.executeQuery("SELECT min(id) FROM " + table + " WHERE id BETWEEN " + base
                    + " AND " + (base + RANGE - 1))) {
                rs.next();
                long id = rs.getLong(1);
                return rs.wasNull() ? -1 : id;
            }
        }

        /** Text of 4-12 KB that does not compress: stored out of line (TOAST). */
        private String longText() {
            StringBuilder text = new StringBuilder();
            int length = 4096 + random.nextInt(8192);
            while (text.length() < length) {
                text.append(Long.toString(random.nextLong(), 36));
            }
            return text.toString();
        }

        /** A time within about two months either side of now, so rows spread over monthly partitions. */
        private String timeLiteral() {
            return "now() - interval '" + (random.nextInt(120) - 60) + " days'";
        }
    }

    private static boolean connectionLost(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P0"));
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
