package io.cdcpipeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * CPU time spent by the JIT compilers of a benchmark run's JVMs: this one and every java process
 * it started (services, the Kafka broker, a Connect worker). Read from Linux's
 * {@code /proc/<pid>/task/<tid>/stat} for the threads HotSpot names {@code C1 CompilerThread*} and
 * {@code C2 CompilerThread*}.
 *
 * <p>Why a latency benchmark needs it: on two cores, a scheduler trace of {@code bench cache}
 * ({@code perf sched}) showed the compiler threads of the four JVMs taking 12-40 % of the machine
 * all through a 15 s warm-up and the measured phase after it, while capture's streaming thread
 * and the broker's network threads waited to run. A phase measured then measures the JIT, not the
 * pipeline's steady state.
 */
final class JitActivity {

    private final List<Long> jvms;

    private JitActivity(List<Long> jvms) {
        this.jvms = jvms;
    }

    /** The JVMs running now: this one and every descendant process whose command is java. */
    static JitActivity ofThisRun() {
        List<Long> pids = new ArrayList<>();
        pids.add(ProcessHandle.current().pid());
        ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .forEach(p -> pids.add(p.pid()));
        return new JitActivity(List.copyOf(pids));
    }

    int jvmCount() {
        return jvms.size();
    }

    /** A point to measure from: the compilers' CPU time so far, and when. */
    record Mark(double cpuSeconds, long nanos) {
    }

    Mark mark() {
        return new Mark(compilerCpuSeconds(), System.nanoTime());
    }

    /** The share of one core the JVMs' compilers used since {@code mark}, over the wall time since. */
    double coreShareSince(Mark mark) {
        return (compilerCpuSeconds() - mark.cpuSeconds()) / ((System.nanoTime() - mark.nanos()) / 1e9);
    }

    /** CPU seconds the JVMs' compiler threads have used so far (a JVM gone since counts nothing). */
    double compilerCpuSeconds() {
        double seconds = 0;
        for (long pid : jvms) {
            Path tasks = Path.of("/proc", Long.toString(pid), "task");
            try (Stream<Path> threads = Files.list(tasks)) {
                for (Path thread : (Iterable<Path>) threads::iterator) {
                    seconds += compilerCpuSeconds(thread);
                }
            } catch (IOException e) {
                // The process ended: its compilers no longer compete for the CPU.
            }
        }
        return seconds;
    }

    private static double compilerCpuSeconds(Path thread) {
        try {
            return compilerTicks(Files.readString(thread.resolve("stat"))) / ProcessCpu.TICKS_PER_SECOND;
        } catch (IOException e) {
            return 0; // the thread ended between the listing and the read
        }
    }

    /** utime + stime of one thread's stat line when the thread is a JIT compiler, else 0. */
    static long compilerTicks(String statLine) {
        String name = ProcessCpu.name(statLine);
        return name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre") ? ProcessCpu.cpuTicks(statLine) : 0;
    }
}
