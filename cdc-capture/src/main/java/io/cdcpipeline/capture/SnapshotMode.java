package io.cdcpipeline.capture;

/** Debezium's snapshot modes we support. */
public enum SnapshotMode {
    /** Snapshot the tables on the first start (no stored offset), then stream. */
    INITIAL,
    /** Never snapshot: stream from the slot's position. */
    NO_DATA,
    /** Snapshot when there is no offset or the offset's position is no longer in the WAL. */
    WHEN_NEEDED;

    String debeziumValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
