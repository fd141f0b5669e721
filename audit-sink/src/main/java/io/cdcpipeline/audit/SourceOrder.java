package io.cdcpipeline.audit;

/**
 * A change's place in the WAL stream: Debezium's {@code source.sequence} = [last commit LSN, LSN].
 * Strictly increasing along one Kafka partition, so an event at or below the last written one is a
 * republished duplicate.
 */
record SourceOrder(long commitLsn, long lsn) implements Comparable<SourceOrder> {

    static final SourceOrder NONE = new SourceOrder(-1, -1);

    @Override
    public int compareTo(SourceOrder o) {
        int byCommit = Long.compare(commitLsn, o.commitLsn);
        return byCommit != 0 ? byCommit : Long.compare(lsn, o.lsn);
    }
}
