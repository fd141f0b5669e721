package io.cdcpipeline.audit;

import org.apache.kafka.common.TopicPartition;

/**
 * Another consumer group wrote this chain moments ago: writing it too would interleave two
 * groups' copies of one partition. The batch is retried (with the consumer loop's backoff) and
 * succeeds once the other group has left the chain alone for {@code AUDIT_CHAIN_TAKEOVER_AFTER}.
 */
final class ChainOwnedException extends RuntimeException {

    ChainOwnedException(TopicPartition chain, String otherGroup, long millisSinceWritten) {
        super("chain " + chain + " is written by consumer group '" + otherGroup + "' (" + millisSinceWritten
                + " ms ago): this group continues it once that group has left it for AUDIT_CHAIN_TAKEOVER_AFTER;"
                + " run one consumer group per audited database");
    }
}
