package io.cdcpipeline.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Migrating a database that holds the user's own tables: only the pipeline's objects are
 * installed (SCHEMA_EXAMPLE=false), nothing cluster- or database-wide happens without being
 * listed by the dry run first, and roles or privileges others rely on are not taken.
 */
class PipelineOnlyInstallIT {

    @BeforeAll
    static void rolesExist() throws Exception {
        // Roles are cluster-wide: this makes them exist (created and marked by migrate) whatever ran before.
        MigratedDatabase.create("roles-exist");
    }

    @Test
    void shouldInstallOnlyThePipelinesObjectsNextToTheUsersSchemas() throws Exception {
        MigratedDatabase m = MigratedDatabase.empty("own-tables");
        // The user's schema happens to be called app, like the example's: it must stay theirs.
        m.execute("CREATE SCHEMA app; CREATE TABLE app.orders (id bigint PRIMARY KEY, total numeric NOT NULL)");
        m.env.put("SCHEMA_EXAMPLE", "false");

        MigrationPlan plan = m.migrator().plan(Optional.empty(), false);

        assertThat(plan.example()).isFalse();
        assertThat(plan.problems()).isEmpty();
        assertThat(plan.provisioning().refusals()).isEmpty();
        assertThat(plan.changeSets()).contains("001-pipeline-schemas", "008-change-log", "009-pipeline-schema-usage",
                "010-pipeline-publication", "018-audit-chains", "019-enrollments")
                .doesNotContain("001-schemas", "003-session-functions", "007-article-daily-stats", "010-publication");
        assertThat(plan.provisioning().steps()).extracting(RoleProvisioner.Step::shown)
                .contains("CREATE SCHEMA migrations AUTHORIZATION admin_user")
                .noneMatch(s -> s.contains("app_user") || s.contains("analytics_user"));
        assertThat(plan.render()).contains("changesets to apply", "001-pipeline-schemas", "database: CREATE SCHEMA migrations");
        java.io.StringWriter out = new java.io.StringWriter();
        int code = SchemaCli.run(m.env, new java.io.PrintWriter(out, true), new java.io.PrintWriter(new java.io.StringWriter(), true),
                "migrate", "--dry-run");
        assertThat(code).isZero();
        assertThat(out.toString()).contains("install: the pipeline's own objects only (SCHEMA_EXAMPLE=false)",
                "cluster- and database-wide statements, in order:", "database: CREATE SCHEMA migrations AUTHORIZATION admin_user",
                "changesets to apply, in order (run as admin_user):", "  001-pipeline-schemas");
        assertThat(m.queryLong("SELECT count(*) FROM pg_namespace WHERE nspname IN ('audit', 'cdc', 'migrations')"))
                .as("the dry runs changed nothing").isZero();

        VerificationReport report = m.migrator().migrate(Optional.empty());

        assertThat(report.ok()).as(report.toString()).isTrue();
        assertThat(report.checksRun()).contains("the pipeline's roles have least privilege", "objects are owned by admin_user")
                .doesNotContain("the example's roles have least privilege");
        assertThat(m.queryStrings("SELECT nspname FROM pg_namespace WHERE nspname IN ('app', 'analytics', 'audit', 'cdc',"
                + " 'maintenance', 'monitoring') ORDER BY 1")).containsExactly("app", "audit", "cdc", "maintenance", "monitoring");
        assertThat(m.queryStrings("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'app'"))
                .as("the user's schema is untouched").containsExactly(m.queryStrings("SELECT current_user").get(0));
        assertThat(m.queryStrings("SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = 'cdc_pub'"
                + " ORDER BY 1")).as("the user's tables join with schema enroll; the pipeline's erasures are audited")
                .containsExactly("audit.erasures", "cdc.heartbeat", "cdc.signal");
        assertThat(m.queryLong("SELECT count(*) FROM pg_class WHERE relnamespace = 'app'::regnamespace")).as("app.orders and its key")
                .isEqualTo(2);

        MigrationPlan again = m.migrator().plan(Optional.empty(), false);
        assertThat(again.changeSets()).isEmpty();
        assertThat(again.provisioning().steps()).extracting(RoleProvisioner.Step::shown)
                .as("nothing left to change but the configured passwords, set on every run").allMatch(s -> s.contains(" PASSWORD <"));

        m.env.put("SCHEMA_EXAMPLE", "true");
        assertThatThrownBy(() -> m.migrator().migrate(Optional.empty()))
                .isInstanceOf(SchemaException.class).hasMessageContaining("SCHEMA_EXAMPLE=true")
                .hasMessageContaining("without the blog example");
        m.env.remove("SCHEMA_EXAMPLE");
        assertThat(m.migrator().migrate(Optional.empty()).ok()).as("unset: the database's own choice").isTrue();
    }

    @Test
    void shouldNotTakeOverARoleItDidNotCreate() throws Exception {
        MigratedDatabase m = MigratedDatabase.empty("foreign-role");
        String marker = m.queryStrings("SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = 'read_only_user'")
                .get(0);
        // As if the server had a read_only_user of its own before cdc-pipeline came.
        m.execute("COMMENT ON ROLE read_only_user IS NULL");
        try {
            assertThat(m.migrator().plan(Optional.empty(), false).provisioning().refusals())
                    .singleElement().asString().contains("read_only_user", "--adopt-roles");

            assertThatThrownBy(() -> m.migrator().migrate(Optional.empty()))
                    .isInstanceOf(SchemaException.class)
                    .hasMessageContaining("nothing was changed")
                    .hasMessageContaining("role read_only_user already exists and cdc-pipeline did not create it");
            assertThat(m.queryLong("SELECT count(*) FROM pg_namespace WHERE nspname IN ('audit', 'migrations')")).isZero();
            assertThat(m.queryLong("SELECT count(*) FROM pg_database, aclexplode(datacl) WHERE datname = current_database()"))
                    .as("database privileges untouched (still the defaults)").isZero();

            assertThat(m.migrator().migrate(Optional.empty(), true).ok()).isTrue();
            assertThat(m.queryStrings("SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = 'read_only_user'"))
                    .containsExactly("cdc-pipeline: adopted by schema migrate");
        } finally {
            m.execute("COMMENT ON ROLE read_only_user IS '" + marker + "'");
        }
    }

    @Test
    void shouldKeepConnectForRolesThatConnectThroughPublic() throws Exception {
        MigratedDatabase m = MigratedDatabase.empty("public-connect");
        m.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'legacy_reporting') THEN"
                + " CREATE ROLE legacy_reporting LOGIN; END IF; END $$");
        try {
            MigrationPlan plan = m.migrator().plan(Optional.empty(), false);
            assertThat(plan.provisioning().steps()).extracting(RoleProvisioner.Step::shown)
                    .noneMatch(s -> s.contains("FROM PUBLIC"));
            assertThat(plan.provisioning().notes()).anyMatch(n -> n.contains("legacy_reporting") && n.contains("FROM PUBLIC"));

            assertThat(m.migrator().migrate(Optional.empty()).ok()).isTrue();

            assertThat(m.queryStrings("SELECT has_database_privilege('legacy_reporting', current_database(), 'CONNECT')::text"))
                    .containsExactly("true");
            // Once it has a grant of its own, the next migration may take CONNECT from PUBLIC.
            m.execute("GRANT CONNECT ON DATABASE \"" + m.db.name() + "\" TO legacy_reporting");
            List<String> next = m.migrator().plan(Optional.empty(), false).provisioning().steps().stream()
                    .map(RoleProvisioner.Step::shown).filter(s -> !s.contains(" PASSWORD <")).toList();
            assertThat(next).containsExactly("REVOKE CONNECT, TEMPORARY ON DATABASE \"" + m.db.name() + "\" FROM PUBLIC");
        } finally {
            m.execute("REVOKE ALL ON DATABASE \"" + m.db.name() + "\" FROM legacy_reporting");
            m.execute("DROP ROLE legacy_reporting");
        }
    }
}
