package io.cdcpipeline.capture;

import java.lang.management.ManagementFactory;
import java.util.Set;

import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Whether the connector is past its snapshot and connected to the replication stream, as
 * Debezium reports it on its streaming metrics MBean ({@code Connected}). The engine's callbacks
 * only say that the task polls, which includes the snapshot phase.
 */
final class DebeziumStreamingState {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final ObjectName pattern;

    DebeziumStreamingState(String topicPrefix) {
        try {
            this.pattern = new ObjectName("debezium.postgres:type=connector-metrics,context=streaming,server="
                    + ObjectName.quote(topicPrefix).replace("\"", "") + ",*");
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException("topic prefix " + topicPrefix + " cannot name an MBean", e);
        }
    }

    boolean connected() {
        Set<ObjectName> names = server.queryNames(pattern, null);
        for (ObjectName name : names) {
            try {
                if (Boolean.TRUE.equals(server.getAttribute(name, "Connected"))) {
                    return true;
                }
            } catch (javax.management.JMException e) {
                return false;
            }
        }
        return false;
    }
}
