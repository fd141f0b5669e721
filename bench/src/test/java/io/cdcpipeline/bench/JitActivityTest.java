package io.cdcpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading a JIT compiler thread's CPU time from its /proc stat line. */
class JitActivityTest {

    // Linux's /proc/<pid>/task/<tid>/stat, as read on the build machine (utime 4211, stime 93).
    private static final String C2 = "15911 (C2 CompilerThre) S 1 15892 15892 0 -1 1077936192 5301 0 0 0 4211 93 0 0 20 0 "
            + "31 0 278110 4294967295 0 0 0 0 0 0 0 0 0 0 0 0 -1 1 0 0 0 0 0";
    private static final String STREAMING = "16033 (debezium-postgr) S 1 15892 15892 0 -1 1077936192 88 0 0 0 1203 77 0 0 20 0 "
            + "31 0 278340 4294967295 0 0 0 0 0 0 0 0 0 0 0 0 -1 0 0 0 0 0 0";

    @Test
    void shouldCountUserAndSystemTicksOfCompilerThreads() {
        assertThat(JitActivity.compilerTicks(C2)).isEqualTo(4211 + 93);
        assertThat(JitActivity.compilerTicks(C2.replace("C2 CompilerThre", "C1 CompilerThre"))).isEqualTo(4211 + 93);
    }

    @Test
    void shouldIgnoreEveryOtherThread() {
        assertThat(JitActivity.compilerTicks(STREAMING)).isZero();
        // A name holding ") " must not shift the fields: only the last ')' ends the name.
        assertThat(JitActivity.compilerTicks(STREAMING.replace("(debezium-postgr)", "(odd) C2 name)"))).isZero();
    }

    @Test
    void shouldCountThisJvmAndTheJvmsItStartedButNoOtherProcess() throws Exception {
        int before = JitActivity.ofThisRun().jvmCount();
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Sleeper.class.getName()).start();
        Process notJava = new ProcessBuilder("sleep", "30").start();
        try {
            assertThat(JitActivity.ofThisRun().jvmCount()).as("this JVM's children: one JVM, one sleep").isEqualTo(before + 1);
        } finally {
            jvm.destroyForcibly().waitFor();
            notJava.destroyForcibly().waitFor();
        }
        // This JVM has compiled something by now (JUnit's own start-up): its compilers' time is read.
        assertThat(JitActivity.ofThisRun().compilerCpuSeconds()).isPositive();
    }

    /** A JVM that stays up until it is killed. */
    static final class Sleeper {
        public static void main(String[] args) throws InterruptedException {
            Thread.sleep(60_000);
        }
    }
}
