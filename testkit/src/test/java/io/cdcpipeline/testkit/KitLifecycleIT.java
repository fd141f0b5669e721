package io.cdcpipeline.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Starting and stopping whole kits, as the launcher and the JVM shutdown hook do. */
class KitLifecycleIT {

    @Test
    void shouldStartAndStopTwiceLeavingNoProcessOrFileBehind() throws Exception {
        for (int round = 1; round <= 2; round++) {
            // Other test classes' shared servers may be children of this JVM too: only new ones count.
            List<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid).toList();
            long started = System.nanoTime();
            EmbeddedInfrastructure kit = EmbeddedInfrastructure.create().startAll();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            // Reported in the build log: the kit's start-up time on this machine.
            System.out.printf("testkit startup round %d: PostgreSQL + Kafka + Redis ready in %d ms%n", round, millis);

            List<ProcessHandle> processes = kit.processes();
            Path root = kit.root();
            assertThat(processes).as("postmaster and its children, the broker JVM, redis-server").hasSizeGreaterThanOrEqualTo(3);
            assertThat(processes).allMatch(ProcessHandle::isAlive);
            try (Connection c = kit.postgres().superuserConnection("postgres"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW wal_level")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("logical");
            }
            assertThat(kit.redis().ping()).isTrue();
            assertThat(kit.kafka().topics().list()).isNotNull();

            kit.close();

            assertThat(processes).as("round %d: no server process survives close()", round)
                    .noneMatch(ProcessHandle::isAlive);
            assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                    .map(ProcessHandle::pid).filter(pid -> !before.contains(pid)).toList())
                    .as("no child process started by this kit is left").isEmpty();
            assertThat(Files.exists(root)).as("work directory %s deleted", root).isFalse();
        }
    }
}
