package io.cdcpipeline.schema;

/** One thing {@code partitions ensure} did: created a partition, moved rows out of the default one, or dropped one. */
public record PartitionAction(String parent, String action, String partition, String detail) {
}
