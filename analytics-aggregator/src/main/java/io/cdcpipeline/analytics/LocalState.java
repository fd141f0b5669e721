package io.cdcpipeline.analytics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The topology's local state directory ({@code <state dir>/<application id>}) across restarts.
 *
 * <p>Under exactly-once, Kafka Streams trusts a task's local stores only after a clean close. After
 * a crash it opens every store once on the main thread and once more on the stream thread, finds
 * them without committed offsets, marks every task corrupted, wipes it and asks for another
 * rebalance before it restores from the changelogs: about two seconds of a restart on two cores.
 * Knowing that the last run did not close cleanly, the service deletes the task directories before
 * Streams starts; Streams then restores the same tasks from the same changelogs, without the detour.
 *
 * <p>The marker only lets the service take that shortcut: where it says "clean" wrongly (a stream
 * thread that died and closed its tasks dirty), Streams' own check still finds and wipes them.
 *
 * <p>Only the task directories go: the process id file next to them names this instance's
 * transactional producer, which has to fence the dead instance's open transaction at once.
 */
final class LocalState {

    /** Written after a clean close, removed at start: its absence at start means the last run crashed. */
    static final String CLOSED_CLEANLY = "closed-cleanly";

    /** Kafka Streams' task directories: {@code <subtopology>_<partition>}. */
    private static final Pattern TASK_DIRECTORY = Pattern.compile("\\d+_\\d+");

    private final Path directory;

    LocalState(Path stateDir, String applicationId) {
        this.directory = stateDir.resolve(applicationId);
    }

    /**
     * At start, before Kafka Streams opens anything: the task directories a crashed run left, deleted
     * (their names returned); nothing when the last run closed cleanly or there was none.
     */
    List<String> discardIfLastRunCrashed() {
        try {
            if (Files.deleteIfExists(directory.resolve(CLOSED_CLEANLY)) || !Files.isDirectory(directory)) {
                return List.of();
            }
            List<Path> tasks;
            try (Stream<Path> children = Files.list(directory)) {
                tasks = children.filter(p -> Files.isDirectory(p) && TASK_DIRECTORY.matcher(p.getFileName().toString()).matches())
                        .sorted().toList();
            }
            for (Path task : tasks) {
                deleteRecursively(task);
            }
            return tasks.stream().map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the local state a crashed run left in " + directory, e);
        }
    }

    /** After Kafka Streams closed cleanly: the next start keeps the stores. */
    void markClosedCleanly() {
        try {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve(CLOSED_CLEANLY), "");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot mark the local state in " + directory + " as closed cleanly", e);
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
