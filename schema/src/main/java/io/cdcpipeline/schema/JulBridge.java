package io.cdcpipeline.schema;

import org.slf4j.bridge.SLF4JBridgeHandler;

/** Routes java.util.logging (Liquibase's logger) to SLF4J, once per JVM. */
final class JulBridge {

    private static boolean installed;

    private JulBridge() {
    }

    static synchronized void install() {
        if (!installed) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
            installed = true;
        }
    }
}
