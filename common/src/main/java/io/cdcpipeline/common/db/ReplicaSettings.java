package io.cdcpipeline.common.db;

import java.time.Duration;
import java.util.List;

/**
 * Read replicas: where they are, how far behind a replica may be before reads avoid it, how
 * often that is checked, and how long reads stay on the primary after a write in the same
 * context (read-your-writes).
 */
public record ReplicaSettings(List<HostPort> replicas, Duration maxLag, Duration checkInterval, Duration readYourWritesWindow) {

    public record HostPort(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    public boolean enabled() {
        return !replicas.isEmpty();
    }
}
