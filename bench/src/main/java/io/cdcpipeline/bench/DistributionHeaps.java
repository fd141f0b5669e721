package io.cdcpipeline.bench;

/**
 * The heap each service gets from the distribution's scripts ({@code dist/src/dist/bin}): a
 * benchmark that starts a service in its own JVM measures it as deployed.
 */
final class DistributionHeaps {

    static final String CAPTURE = "384m";
    static final String AUDIT_SINK = "384m";
    static final String CACHE_INVALIDATOR = "256m";
    static final String ANALYTICS_AGGREGATOR = "192m";

    private DistributionHeaps() {
    }
}
