package io.cdcpipeline.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SchemaCliIT {

    private record Result(int exitCode, String out, String err) {
    }

    private static Result run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SchemaCli.run(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void shouldListEveryBadVariableWithoutShowingThePassword() {
        Map<String, String> env = new HashMap<>();
        env.put("DB_PORT", "not-a-port");
        env.put("DB_NAME", "x");
        env.put("DB_USER", "u");
        env.put("DB_PASSWORD", "super-secret-value");
        env.put("DB_SSL_ROOT_CERT", "/nonexistent/ca.crt");

        Result result = run(env, "status");

        assertThat(result.exitCode()).isEqualTo(SchemaCli.USAGE);
        assertThat(result.err()).contains("DB_HOST is missing", "DB_PORT='not-a-port' is invalid", "DB_SSL_ROOT_CERT='/nonexistent/ca.crt'")
                .doesNotContain("super-secret-value");
    }

    @Test
    void shouldMigrateReportStatusAndEnsurePartitions() {
        MigratedDatabase m = MigratedDatabase.empty("cli");

        Result migrate = run(m.env, "migrate");
        assertThat(migrate.exitCode()).as(migrate.err()).isZero();
        assertThat(migrate.out()).contains("verified");

        Result status = run(m.env, "status");
        assertThat(status.exitCode()).isZero();
        assertThat(status.out()).contains("pending: 0", "last tag: v13");

        Result ensure = run(m.env, "partitions", "ensure", "--months-ahead", "5");
        assertThat(ensure.exitCode()).as(ensure.err()).isZero();
        assertThat(ensure.out()).contains("created app.article_views_p");

        assertThat(run(m.env, "rollback").exitCode()).as("rollback needs --to or --count").isEqualTo(SchemaCli.USAGE);
        Result unknownTag = run(m.env, "rollback", "--to", "no-such-tag");
        assertThat(unknownTag.exitCode()).as("a tag the changelog does not have is a usage error").isEqualTo(SchemaCli.USAGE);
        assertThat(unknownTag.err()).contains("unknown tag 'no-such-tag'");
    }

    @Test
    void shouldFailVerificationOnAnInvalidIndexLeftByAFailedConcurrentBuild() {
        MigratedDatabase m = MigratedDatabase.empty("invalid-index");
        assertThat(run(m.env, "migrate").exitCode()).isZero();
        m.execute("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'O', 'o')");
        m.execute("INSERT INTO app.tags (org_id, name, slug) VALUES (1, 'same', 'a'), (1, 'same', 'b')");
        try {
            m.execute("CREATE UNIQUE INDEX CONCURRENTLY tags_name_unique ON app.tags (name)");
        } catch (IllegalStateException expected) {
            // The duplicate makes the build fail after the catalog entry exists: an INVALID index remains.
        }

        Result verify = run(m.env, "verify");

        assertThat(verify.exitCode()).isEqualTo(SchemaCli.FAILED);
        assertThat(verify.out()).contains("index app.tags_name_unique is INVALID");
    }
}
