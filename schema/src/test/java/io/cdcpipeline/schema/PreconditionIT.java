package io.cdcpipeline.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.PostgresServer;
import io.cdcpipeline.testkit.TestDatabase;

class PreconditionIT {

    @Test
    void shouldRefuseAServerWithoutLogicalDecodingBeforeChangingAnything(@TempDir Path dir) throws Exception {
        // A server of its own: wal_level is a server-wide setting.
        try (PostgresServer replicaLevel = PostgresServer.start(dir.resolve("pg"), EmbeddedInfrastructure.shared().tls(),
                List.of("wal_level = replica", "max_wal_senders = 10"))) {
            TestDatabase db = replicaLevel.createDatabase("no-logical");
            Migrator migrator = new Migrator(SchemaConfig.from(MigratedDatabase.envFor(db)));

            assertThatThrownBy(() -> migrator.migrate(Optional.empty()))
                    .isInstanceOf(SchemaException.class)
                    .hasMessageContaining("nothing was changed")
                    .hasMessageContaining("wal_level is 'replica'")
                    .hasMessageContaining("wal_level = logical");

            try (Connection c = db.superuserConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM pg_roles WHERE rolname LIKE '%\\_user')"
                         + " + (SELECT count(*) FROM pg_namespace WHERE nspname IN ('app', 'migrations'))")) {
                rs.next();
                assertThat(rs.getInt(1)).as("no role, no schema created").isZero();
            }
        }
    }

    @Test
    void shouldHaltOnAFailingChangesetPreconditionWithItsReason() throws Exception {
        MigratedDatabase m = MigratedDatabase.empty("precondition");
        // Someone else's schema named like ours: the first changeset must not adopt or clobber it.
        m.execute("CREATE SCHEMA app");

        assertThatThrownBy(() -> m.migrator().migrate(Optional.empty()))
                .isInstanceOf(SchemaException.class)
                .hasMessageContaining("precondition failed")
                .hasMessageContaining("001-schemas");

        assertThat(m.queryLong("SELECT count(*) FROM pg_namespace WHERE nspname IN ('analytics', 'audit', 'cdc')"))
                .as("the changeset stopped before its first statement").isZero();
        assertThat(m.queryLong("SELECT count(*) FROM migrations.databasechangelog WHERE id = '001-schemas'")).isZero();
    }
}
