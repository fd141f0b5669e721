package io.cdcpipeline.testkit;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Optional;

/**
 * Entry point of every child JVM the kit starts ({@link ChildJvm}): installs a watchdog that ends
 * this JVM as soon as the JVM that started it is gone (a SIGKILLed test JVM runs no shutdown
 * hooks), then runs the real main class.
 *
 * <p>Arguments: {@code <parent-pid> <main-class> [args...]}.
 */
public final class ChildMain {

    private ChildMain() {
    }

    public static void main(String[] args) throws Exception {
        long parentPid = Long.parseLong(args[0]);
        Thread watchdog = new Thread(() -> {
            while (true) {
                Optional<ProcessHandle> parent = ProcessHandle.of(parentPid);
                if (parent.isEmpty() || !parent.get().isAlive()) {
                    System.err.println("parent process " + parentPid + " is gone: exiting");
                    Runtime.getRuntime().halt(0);
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Method main = Class.forName(args[1]).getMethod("main", String[].class);
        main.invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
    }
}
