package io.cdcpipeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time from Linux's {@code /proc}: of a process, of one of its threads, of the whole machine. */
final class ProcessCpu {

    /** Linux's USER_HZ: the unit of the CPU times in /proc. */
    static final double TICKS_PER_SECOND = 100.0;

    private ProcessCpu() {
    }

    /** utime + stime of a process so far, in seconds, from {@code /proc/<pid>/stat}. */
    static double cpuSeconds(long pid) throws IOException {
        return cpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))) / TICKS_PER_SECOND;
    }

    /**
     * CPU seconds the whole machine spent (every process), from /proc/stat's first line: all but
     * idle and iowait.
     */
    static double machineCpuSeconds() throws IOException {
        String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < fields.length && i <= 8; i++) {
            if (i != 4 && i != 5) { // idle, iowait
                busy += Long.parseLong(fields[i]);
            }
        }
        return busy / TICKS_PER_SECOND;
    }

    /**
     * The command (or thread) name of a {@code stat} line: between the first '(' and the last ')',
     * spaces and parentheses included ("C2 CompilerThre"); empty if the line has none.
     */
    static String name(String statLine) {
        int open = statLine.indexOf('(');
        int close = statLine.lastIndexOf(')');
        return open < 0 || close < open ? "" : statLine.substring(open + 1, close);
    }

    /**
     * utime + stime (fields 14 and 15) of a {@code stat} line, in ticks. Counted from after the
     * name's last ')', where field 3 (state) starts: utime is the 12th field there.
     */
    static long cpuTicks(String statLine) {
        String[] fields = statLine.substring(statLine.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}
