package io.cdcpipeline.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

class MigrationLifecycleIT {

    /**
     * Objects of ours anywhere in the database. Not ours: Liquibase's bookkeeping schema, and
     * extension members (pg_stat_statements is installed by the bootstrap, server-level tooling).
     */
    private static final String OUR_OBJECTS = """
            SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname IN ('app', 'analytics', 'audit', 'cdc', 'maintenance')
            UNION ALL SELECT 'publication ' || pubname FROM pg_publication
            UNION ALL SELECT 'relation ' || n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'migrations')
                         AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
            UNION ALL SELECT 'function ' || p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                         AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
            UNION ALL SELECT 'default privileges ' || defaclobjtype::text || ' ' || defaclacl::text FROM pg_default_acl
            """;

    @Test
    void shouldMigrateVerifyRollBackToEmptyAndMigrateAgain() throws SQLException {
        MigratedDatabase m = MigratedDatabase.empty("lifecycle");
        Migrator migrator = m.migrator();

        VerificationReport first = migrator.migrate(Optional.empty());
        assertThat(first.ok()).as(first.toString()).isTrue();
        assertThat(first.checksRun()).as("every check applies to a fully migrated database").hasSize(SchemaChecks.ALL.size());
        assertThat(migrator.verify().ok()).isTrue();
        StatusReport migrated = migrator.status();
        assertThat(migrated.pending()).isEmpty();
        assertThat(migrated.lastTag()).contains("v13");

        migrator.rollbackToTag("empty");

        assertThat(m.queryStrings(OUR_OBJECTS)).as("rollback of every changeset leaves nothing of ours").isEmpty();
        assertThat(migrator.status().applied()).as("at most the 'empty' tag itself remains").allMatch("tag-empty"::equals);

        VerificationReport again = migrator.migrate(Optional.empty());
        assertThat(again.ok()).as(again.toString()).isTrue();
        assertThat(migrator.status().applied()).isEqualTo(migrated.applied());
    }

    @Test
    void shouldDoNothingWhenMigratedTwice() throws SQLException {
        MigratedDatabase m = MigratedDatabase.create("twice");
        long rowsBefore = m.queryLong("SELECT count(*) FROM migrations.databasechangelog");
        long latestBefore = m.queryLong("SELECT extract(epoch FROM max(dateexecuted))::bigint FROM migrations.databasechangelog");

        VerificationReport report = m.migrator().migrate(Optional.empty());

        assertThat(report.ok()).isTrue();
        assertThat(m.queryLong("SELECT count(*) FROM migrations.databasechangelog")).isEqualTo(rowsBefore);
        assertThat(m.queryLong("SELECT extract(epoch FROM max(dateexecuted))::bigint FROM migrations.databasechangelog"))
                .as("no changeset ran again").isEqualTo(latestBefore);
    }

    @Test
    void shouldApplyOnceWhenTwoMigratorsStartTogether() throws Exception {
        MigratedDatabase m = MigratedDatabase.empty("concurrent");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<VerificationReport> migrate = () -> m.migrator().migrate(Optional.empty());
            List<Future<VerificationReport>> results = pool.invokeAll(List.of(migrate, migrate));
            for (Future<VerificationReport> result : results) {
                assertThat(result.get().ok()).as("both migrators end with a verified schema").isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(m.queryLong("SELECT count(*) FROM migrations.databasechangelog"))
                .as("each changeset recorded once")
                .isEqualTo(m.queryLong("SELECT count(DISTINCT id) FROM migrations.databasechangelog"));
        assertThat(m.migrator().status().pending()).isEmpty();
    }

    @Test
    void shouldReleaseALiquibaseLockLeftByAKilledMigrator() throws SQLException {
        MigratedDatabase m = MigratedDatabase.create("stale-lock");
        m.migrator().rollbackCount(1);
        // What a migrator killed mid-run leaves behind: the lock row still set.
        m.execute("UPDATE migrations.databasechangeloglock SET locked = true, lockgranted = now() - interval '1 hour',"
                + " lockedby = 'killed-host (10.0.0.9)' WHERE id = 1");

        VerificationReport report = m.migrator().migrate(Optional.empty());

        assertThat(report.ok()).isTrue();
        assertThat(m.migrator().status().pending()).isEmpty();
        assertThat(m.queryLong("SELECT count(*) FROM migrations.databasechangeloglock WHERE locked")).isZero();
    }

    @Test
    void shouldGiveTheSearchIndexItsPendingListBackWhenRolledBackToV12() throws SQLException {
        MigratedDatabase m = MigratedDatabase.create("gin-rollback");
        String options = "SELECT coalesce(array_to_string(reloptions, ','), '') FROM pg_class WHERE oid = 'app.idx_articles_searchable'::regclass";
        assertThat(m.queryStrings(options)).containsExactly("fastupdate=off");

        m.migrator().rollbackToTag("v12");
        assertThat(m.queryStrings(options)).as("PostgreSQL's default again").containsExactly("");

        assertThat(m.migrator().migrate(Optional.empty()).ok()).isTrue();
        assertThat(m.queryStrings(options)).containsExactly("fastupdate=off");
    }

    @Test
    void shouldStopAtATagAndRollBackByCount() throws SQLException {
        MigratedDatabase m = MigratedDatabase.empty("to-tag");
        Migrator migrator = m.migrator();

        VerificationReport partial = migrator.migrate(Optional.of("app"));

        assertThat(partial.ok()).as(partial.toString()).isTrue();
        StatusReport status = migrator.status();
        assertThat(status.lastTag()).contains("app");
        assertThat(status.pending()).contains("010-publication");
        assertThat(m.queryLong("SELECT count(*) FROM pg_tables WHERE schemaname = 'app' AND tablename = 'articles'")).isOne();
        assertThat(m.queryLong("SELECT count(*) FROM pg_policies WHERE schemaname = 'app'")).as("RLS comes after the tag").isZero();

        int applied = status.applied().size();
        migrator.rollbackCount(2);
        assertThat(migrator.status().applied()).hasSize(applied - 2);
    }
}
