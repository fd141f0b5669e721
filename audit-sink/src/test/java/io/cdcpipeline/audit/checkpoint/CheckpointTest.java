package io.cdcpipeline.audit.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    private static final KeyPair KEY = CheckpointKeys.generate();

    private static Checkpoint head() {
        return Checkpoint.head("audit.change_log", "blog.app.tags", 2, 1234, "ab".repeat(32), 1200,
                Instant.parse("2026-12-03T10:15:30.123Z"), 1000L, "cd".repeat(32)).signed(KEY.getPrivate());
    }

    @Test
    void shouldVerifyWhatWasSignedAfterARoundTripThroughItsLine() {
        Checkpoint read = Checkpoint.parse(head().json());
        assertThat(read.signedByOneOf(List.of(KEY.getPublic()))).isTrue();
        assertThat(read.offset()).isEqualTo(1234);
        assertThat(read.prevOffset()).isEqualTo(1000L);
        assertThat(read.committedAt()).isEqualTo(Instant.parse("2026-12-03T10:15:30.123Z"));
    }

    @Test
    void shouldRejectAnyChangedFieldAndAnotherKey() {
        String line = head().json();
        for (String[] edit : new String[][] {{"\"offset\":1234", "\"offset\":1235"}, {"\"row_count\":1200", "\"row_count\":1199"},
                {"\"chain_partition\":2", "\"chain_partition\":1"}, {"\"prev_offset\":1000", "\"prev_offset\":999"}}) {
            assertThat(line).contains(edit[0]);
            assertThat(Checkpoint.parse(line.replace(edit[0], edit[1])).signedByOneOf(List.of(KEY.getPublic()))).as(edit[1]).isFalse();
        }
        assertThat(Checkpoint.parse(line).signedByOneOf(List.of(CheckpointKeys.generate().getPublic()))).isFalse();
        assertThat(Checkpoint.parse(line).signedByOneOf(List.of(CheckpointKeys.generate().getPublic(), KEY.getPublic())))
                .as("any of the keys in the public key file").isTrue();
    }

    @Test
    void shouldSignRetentionBridges() {
        Checkpoint retention = Checkpoint.retention("audit.tx_context", "blog.message", 0, 99, "ef".repeat(32), 100,
                Instant.parse("2020-02-01T00:00:00Z"), List.of(new Checkpoint.Bridge(101, "01".repeat(32)))).signed(KEY.getPrivate());
        Checkpoint read = Checkpoint.parse(retention.json());
        assertThat(read.bridges()).containsExactly(new Checkpoint.Bridge(101, "01".repeat(32)));
        assertThat(read.signedByOneOf(List.of(KEY.getPublic()))).isTrue();
        assertThat(Checkpoint.parse(retention.json().replace("\"offset\":101", "\"offset\":102")).signedByOneOf(List.of(KEY.getPublic())))
                .isFalse();
    }

    @Test
    void shouldReadKeysAsOpensslWritesThemAndKeepThePrivateKeyToItsOwner(@TempDir Path dir) throws Exception {
        Path privateFile = dir.resolve("sink.pem");
        Path publicFile = dir.resolve("verify.pem");
        CheckpointKeys.writePrivate(privateFile, KEY.getPrivate());
        CheckpointKeys.writePublic(publicFile, KEY.getPublic());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateFile))).isEqualTo("rw-------");
        // A PEM block of PKCS#8 type, as openssl writes (the marker is built, not spelled, so no key-looking text is committed).
        assertThat(Files.readString(privateFile)).startsWith("-".repeat(5) + "BEGIN PRIVATE" + " KEY" + "-".repeat(5));
        Checkpoint signed = head().signed(CheckpointKeys.readPrivate(privateFile));
        assertThat(signed.signedByOneOf(CheckpointKeys.readPublic(publicFile))).isTrue();
        assertThatThrownBy(() -> CheckpointKeys.readPrivate(publicFile)).hasMessageContaining("PEM block of type PRIVATE" + " KEY");
    }

    @Test
    void shouldReadEveryCompleteLineAndReportACutOne(@TempDir Path dir) throws Exception {
        try (CheckpointFiles files = new CheckpointFiles(dir)) {
            files.append(List.of(head(), head()));
        }
        Path file;
        try (var list = Files.list(dir)) {
            file = list.findFirst().orElseThrow();
        }
        Files.writeString(file, Files.readString(file) + "{\"format\":1", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        CheckpointFiles.Contents contents = CheckpointFiles.read(dir);
        assertThat(contents.checkpoints()).hasSize(2);
        assertThat(contents.unreadable()).singleElement().asString().contains("incomplete last line");
    }
}
