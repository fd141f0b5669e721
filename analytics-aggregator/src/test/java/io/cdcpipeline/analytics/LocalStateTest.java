package io.cdcpipeline.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStateTest {

    @TempDir
    Path stateDir;

    private Path app() {
        return stateDir.resolve("analytics");
    }

    /** What Kafka Streams leaves: task directories with store files, the process id file next to them. */
    private void streamsLeftState() throws Exception {
        Files.createDirectories(app().resolve("1_0/rocksdb/views-keys"));
        Files.writeString(app().resolve("1_0/rocksdb/views-keys/000001.sst"), "x");
        Files.createDirectories(app().resolve("3_2"));
        Files.writeString(app().resolve("kafka-streams-process-metadata"), "{\"processId\":\"p\"}");
    }

    @Test
    void shouldDeleteTheTaskDirectoriesButKeepTheProcessIdAfterACrash() throws Exception {
        streamsLeftState();
        Files.createDirectories(app().resolve("not-a-task"));

        assertThat(new LocalState(stateDir, "analytics").discardIfLastRunCrashed()).containsExactly("1_0", "3_2");

        assertThat(app().resolve("1_0")).doesNotExist();
        assertThat(app().resolve("3_2")).doesNotExist();
        assertThat(app().resolve("kafka-streams-process-metadata")).hasContent("{\"processId\":\"p\"}");
        assertThat(app().resolve("not-a-task")).isDirectory();
    }

    @Test
    void shouldKeepTheStoresAfterACleanCloseAndForgetTheMarkAtStart() throws Exception {
        streamsLeftState();
        LocalState state = new LocalState(stateDir, "analytics");
        state.markClosedCleanly();

        assertThat(state.discardIfLastRunCrashed()).isEmpty();
        assertThat(app().resolve("1_0/rocksdb/views-keys/000001.sst")).exists();
        assertThat(app().resolve(LocalState.CLOSED_CLEANLY)).as("a crash of this run must not pass for clean").doesNotExist();

        // This run then crashes: the next start discards.
        assertThat(state.discardIfLastRunCrashed()).containsExactly("1_0", "3_2");
    }

    @Test
    void shouldDoNothingOnAFirstStart() {
        assertThat(new LocalState(stateDir, "analytics").discardIfLastRunCrashed()).isEmpty();
        assertThat(app()).doesNotExist();
    }
}
