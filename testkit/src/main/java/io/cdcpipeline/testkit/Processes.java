package io.cdcpipeline.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Waiting for and killing the server processes the kit starts. */
public final class Processes {

    private static final Logger LOG = LoggerFactory.getLogger(Processes.class);

    private Processes() {
    }

    /** The process whose pid is the first line of {@code pidFile}, if that file exists and it runs. */
    static Optional<ProcessHandle> fromPidFile(Path pidFile) {
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
            return lines.isEmpty() ? Optional.empty() : ProcessHandle.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Waits up to {@code wait} for {@code process} to exit; then kills it and everything below it.
     * Returns only once the process is gone.
     */
    static void awaitExitOrKill(ProcessHandle process, Duration wait) {
        List<ProcessHandle> tree = new java.util.ArrayList<>(process.descendants().toList());
        try {
            process.onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("process {} did not exit within {}: killing it", process.pid(), wait);
            process.destroyForcibly();
            waitQuietly(process);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        // Children normally die with their parent; a killed parent can leave orphans.
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /** Asks {@code process} to stop (SIGTERM), then kills it after {@code wait}. */
    static void terminate(Process process, Duration wait) {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        awaitExitOrKill(process.toHandle(), wait);
    }

    private static void waitQuietly(ProcessHandle process) {
        try {
            process.onExit().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("process {} still alive after SIGKILL", process.pid());
        }
    }
}
