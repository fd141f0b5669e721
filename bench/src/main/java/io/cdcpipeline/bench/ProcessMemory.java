package io.cdcpipeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Peak resident memory of a process, from Linux's {@code /proc/<pid>/status} (VmHWM). */
final class ProcessMemory {

    private ProcessMemory() {
    }

    /** Peak RSS in MiB, or -1 when unknown (process gone, not Linux). */
    static long peakRssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
