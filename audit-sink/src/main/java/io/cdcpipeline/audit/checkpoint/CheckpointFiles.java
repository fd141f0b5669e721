package io.cdcpipeline.audit.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Checkpoints appended to files in a directory, one JSON line each, made durable (fsync) before
 * they are published anywhere else. Each sink process writes its own files
 * ({@code checkpoints-<UTC hour>-<process id>.jsonl}, a new one every hour), never rewrites a line
 * and never deletes a file, so the directory can be shipped as it is to storage that refuses
 * deletion (object storage with a retention lock). Not thread-safe: one publisher per process.
 */
public final class CheckpointFiles implements AutoCloseable {

    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyyMMdd'T'HH'Z'");

    private final Path directory;
    private final String process = UUID.randomUUID().toString().substring(0, 8);
    private String hour;
    private FileChannel channel;

    public CheckpointFiles(Path directory) throws IOException {
        this.directory = directory;
        Files.createDirectories(directory);
        if (!Files.isWritable(directory)) {
            throw new IOException("checkpoint directory " + directory + " is not writable");
        }
    }

    /** Appends the checkpoints and forces them to disk; returns when they are durable. */
    public void append(List<Checkpoint> checkpoints) throws IOException {
        if (checkpoints.isEmpty()) {
            return;
        }
        String now = ZonedDateTime.now(ZoneOffset.UTC).format(HOUR);
        if (!now.equals(hour)) {
            close();
            channel = FileChannel.open(directory.resolve("checkpoints-" + now + "-" + process + ".jsonl"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            hour = now;
        }
        StringBuilder lines = new StringBuilder();
        for (Checkpoint c : checkpoints) {
            lines.append(c.json()).append('\n');
        }
        ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    /** A checkpoint and where it was read. */
    public record Found(Checkpoint checkpoint, String where) {
    }

    /** What a directory holds: the checkpoints, and the lines that are not checkpoints. */
    public record Contents(List<Found> checkpoints, List<String> unreadable, int files) {
    }

    /** Reads every {@code *.jsonl} file under the directory (shipped copies may be in subdirectories). */
    public static Contents read(Path directory) throws IOException {
        List<Found> found = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(directory)) {
            files = walk.filter(p -> p.getFileName().toString().endsWith(".jsonl") && Files.isRegularFile(p)).sorted().toList();
        }
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                if (line.isBlank()) {
                    continue;
                }
                String where = directory.relativize(file) + ":" + (i + 1);
                if (i == lines.length - 1) {
                    // No newline after it: a write cut short by a crash. Its checkpoint was never published.
                    unreadable.add(where + ": incomplete last line (the writer stopped while appending it)");
                    continue;
                }
                try {
                    found.add(new Found(Checkpoint.parse(line), where));
                } catch (RuntimeException e) {
                    unreadable.add(where + ": " + e.getMessage());
                }
            }
        }
        return new Contents(found, unreadable, files.size());
    }
}
