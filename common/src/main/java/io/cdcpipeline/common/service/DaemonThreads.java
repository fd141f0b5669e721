package io.cdcpipeline.common.service;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for a service's background executors: named (so thread dumps and profiles say
 * whose thread it is) and daemon (so a forgotten executor never keeps the JVM alive after the
 * service stopped).
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** Every thread named {@code name} (for single-thread executors). */
    public static ThreadFactory named(String name) {
        return r -> daemon(r, name);
    }

    /** Threads named {@code prefix-1}, {@code prefix-2}, ... */
    public static ThreadFactory numbered(String prefix) {
        AtomicInteger next = new AtomicInteger(1);
        return r -> daemon(r, prefix + "-" + next.getAndIncrement());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
