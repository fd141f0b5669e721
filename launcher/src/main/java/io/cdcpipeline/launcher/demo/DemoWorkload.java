package io.cdcpipeline.launcher.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.cache.LeasedCache;
import io.cdcpipeline.common.db.PriorityPool;
import io.cdcpipeline.common.service.DaemonThreads;

/**
 * The demo application: a small multi-tenant blog on the example schema, as {@code app_user} with
 * row-level security, every transaction acting as one user of one organization ({@code SET LOCAL
 * app.org_id / app.user_id}, which the audit log records as the actor). Each tick is one page view
 * (the article read through the read-through {@link LeasedCache}, a row in {@code app.article_views};
 * articles are picked by a Zipf law, as real traffic is) and, now and then, one action: a sign-up,
 * a new draft, an edit, a publication, a comment, a favorite or its removal.
 *
 * <p>It counts every row it changed in a committed transaction ({@link #changesCommitted()}): what
 * the audit log must hold at the end. Single-threaded, so the model below needs no locks.
 */
public final class DemoWorkload implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoWorkload.class);
    /** The first organization; organizations are ORG, 2 * ORG, 3 * ORG. */
    static final long ORG = 100;
    static final int ORGS = 3;
    static final int USERS_PER_ORG = 3;
    static final int ARTICLES_PER_ORG = 5;
    private static final Duration CACHE_TTL = Duration.ofMinutes(10);

    /** What the application caches for an article page: a few columns, as JSON. */
    record Article(long id, String slug, String title, String status) {
    }

    /** A demo article: its organization and whether it is published (drafts are not shown to readers). */
    private static final class Post {
        final long id;
        final long org;
        boolean published;

        Post(long id, long org, boolean published) {
            this.id = id;
            this.org = org;
            this.published = published;
        }
    }

    private final PriorityPool pool;
    private final LeasedCache cache;
    private final Random random;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("demo-workload"));
    /** Users per organization (index = org number - 1); ids are the demo's own, so it knows them without a round trip. */
    private final List<List<Long>> users = new ArrayList<>();
    /** Every article, oldest first: the Zipf law makes the oldest the most read. */
    private final List<Post> posts = new ArrayList<>();
    private final ZipfSampler zipf = new ZipfSampler(100_000, 1.1);
    private long nextUser = 1;
    private long nextArticle = 1;

    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong loads = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    public DemoWorkload(PriorityPool pool, LeasedCache cache, long seed) {
        this.pool = pool;
        this.cache = cache;
        this.random = new Random(seed);
    }

    /** The id of the {@code n}-th article of the first organization (1-based), created by {@link #start}. */
    static long articleId(int n) {
        return ORG * 1000 + n;
    }

    /** Creates the organizations, their users and published articles, then runs one tick every {@code tick}. */
    public DemoWorkload start(Duration tick) throws SQLException {
        for (int o = 1; o <= ORGS; o++) {
            long org = o * ORG;
            users.add(new ArrayList<>());
            changes.addAndGet(pool.inTransaction(c -> {
                act(c, org, org);
                int n = update(c, "INSERT INTO app.organizations (id, name, slug) VALUES (?, ?, ?)", org, "Org " + org, "org-" + org);
                return n + update(c, "INSERT INTO app.users (id, org_id, email, username, password_hash, display_name)"
                        + " VALUES (?, ?, ?, ?, 'not-a-real-hash', ?)", org, org, "owner@org" + org + ".invalid", "owner" + org,
                        "Owner of " + org);
            }));
            users.get(o - 1).add(org);
            for (int u = 1; u < USERS_PER_ORG; u++) {
                signUp(org);
            }
            for (int a = 1; a <= ARTICLES_PER_ORG; a++) {
                long id = org * 1000 + a;
                changes.addAndGet(pool.inTransaction(c -> {
                    act(c, org, org);
                    return update(c, "INSERT INTO app.articles (id, org_id, author_id, slug, title, status, published_at)"
                            + " VALUES (?, ?, ?, ?, ?, 'published', now())", id, org, org, "post-" + id, "Article " + id);
                }));
                posts.add(new Post(id, org, true));
            }
        }
        nextArticle = ARTICLES_PER_ORG + 1;
        scheduler.scheduleWithFixedDelay(this::tickSafely, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Rows changed by committed transactions so far. */
    public long changesCommitted() {
        return changes.get();
    }

    /** Article page reads, and how many Redis served (no database load). */
    public long reads() {
        return reads.get();
    }

    public long cacheHits() {
        return reads.get() - loads.get();
    }

    /** Steps that failed (rolled back, nothing counted): a demo goes on through outages. */
    public long failures() {
        return failures.get();
    }

    private void tickSafely() {
        try {
            tick();
        } catch (Exception e) {
            failures.incrementAndGet();
            LOG.warn("demo workload step failed: {}", e.toString());
        }
    }

    private void tick() throws Exception {
        pageView();
        int dice = random.nextInt(100);
        if (dice < 2) {
            signUp(org(random.nextInt(ORGS)));
        } else if (dice < 6) {
            newDraft();
        } else if (dice < 14) {
            edit();
        } else if (dice < 18) {
            publish();
        } else if (dice < 30) {
            comment();
        } else if (dice < 40) {
            favorite();
        }
    }

    private static long org(int index) {
        return (index + 1) * ORG;
    }

    private long someUser(long org) {
        List<Long> members = users.get((int) (org / ORG) - 1);
        return members.get(random.nextInt(members.size()));
    }

    /** A published article, the first ones far more often than the last (Zipf). */
    private Post popular() {
        while (true) {
            Post p = posts.get(zipf.sample(random, posts.size()));
            if (p.published) {
                return p;
            }
        }
    }

    /** The application's read path, then the view recorded as the reader (one of the article's organization). */
    private void pageView() throws Exception {
        Post post = popular();
        read(post.id, post.org);
        long reader = someUser(post.org);
        changes.addAndGet(pool.inTransaction(c -> {
            act(c, post.org, reader);
            return update(c, "INSERT INTO app.article_views (article_id, user_id) VALUES (?, ?)", post.id, reader);
        }));
    }

    private void signUp(long org) throws SQLException {
        long id = org * 1000 + 500 + nextUser++;
        changes.addAndGet(pool.inTransaction(c -> {
            act(c, org, id);
            int n = update(c, "INSERT INTO app.users (id, org_id, email, username, password_hash, display_name)"
                    + " VALUES (?, ?, ?, ?, 'not-a-real-hash', ?)", id, org, "user" + id + "@org" + org + ".invalid", "user" + id,
                    "User " + id);
            return n + update(c, "INSERT INTO app.memberships (org_id, user_id, role) VALUES (?, ?, 'member')", org, id);
        }));
        users.get((int) (org / ORG) - 1).add(id);
    }

    private void newDraft() throws SQLException {
        long org = org(random.nextInt(ORGS));
        long author = someUser(org);
        long id = org * 1000 + nextArticle++;
        changes.addAndGet(pool.inTransaction(c -> {
            act(c, org, author);
            return update(c, "INSERT INTO app.articles (id, org_id, author_id, slug, title, summary) VALUES (?, ?, ?, ?, ?, ?)",
                    id, org, author, "post-" + id, "Draft " + id, "A draft by user " + author);
        }));
        posts.add(new Post(id, org, false));
    }

    private void edit() throws SQLException {
        Post post = posts.get(random.nextInt(posts.size()));
        long editor = someUser(post.org);
        String title = "Article " + post.id + " (revision " + random.nextInt(1_000_000) + ")";
        changes.addAndGet(pool.inTransaction(c -> {
            act(c, post.org, editor);
            return update(c, "UPDATE app.articles SET title = ?, updated_at = now() WHERE id = ?", title, post.id);
        }));
    }

    private void publish() throws SQLException {
        Post draft = posts.stream().filter(p -> !p.published).findFirst().orElse(null);
        if (draft == null) {
            return;
        }
        long editor = someUser(draft.org);
        changes.addAndGet(pool.inTransaction(c -> {
            act(c, draft.org, editor);
            return update(c, "UPDATE app.articles SET status = 'published', published_at = now(), updated_at = now() WHERE id = ?",
                    draft.id);
        }));
        draft.published = true;
    }

    private void comment() throws SQLException {
        Post post = popular();
        long author = someUser(post.org);
        changes.addAndGet(pool.inTransaction(c -> {
            act(c, post.org, author);
            return update(c, "INSERT INTO app.comments (org_id, article_id, author_id, body) VALUES (?, ?, ?, ?)",
                    post.org, post.id, author, "Comment by user " + author);
        }));
    }

    /** A favorite, or one in four times the removal of one: user_favorites is owned by its user (row-level security). */
    private void favorite() throws SQLException {
        Post post = popular();
        long user = someUser(post.org);
        boolean remove = random.nextInt(4) == 0;
        changes.addAndGet(pool.inTransaction(c -> {
            act(c, post.org, user);
            return remove
                    ? update(c, "DELETE FROM app.user_favorites WHERE user_id = ? AND article_id = ?", user, post.id)
                    : update(c, "INSERT INTO app.user_favorites (user_id, article_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                            user, post.id);
        }));
    }

    /** The application's read path: Redis first, PostgreSQL on a miss (stored only under a valid lease). */
    private Article read(long id, long org) throws Exception {
        reads.incrementAndGet();
        return cache.get("article:" + id, Article.class, () -> {
            loads.incrementAndGet();
            return pool.inTransaction(c -> {
                act(c, org, org);
                try (PreparedStatement q = c.prepareStatement("SELECT id, slug, title, status FROM app.articles WHERE id = ?")) {
                    q.setLong(1, id);
                    try (ResultSet rs = q.executeQuery()) {
                        return rs.next() ? new Article(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)) : null;
                    }
                }
            });
        }, CACHE_TTL);
    }

    /** Row-level security and the audit log's actor, for this transaction only. */
    private static void act(Connection c, long org, long user) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL app.org_id = '" + org + "'");
            s.execute("SET LOCAL app.user_id = '" + user + "'");
        }
    }

    /** Runs one statement; the rows it changed (counted once the transaction commits). */
    private static int update(Connection c, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            return s.executeUpdate();
        }
    }

    /** Stops after the current step: once this returns, {@link #changesCommitted()} is final. */
    @Override
    public void close() {
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(30, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
