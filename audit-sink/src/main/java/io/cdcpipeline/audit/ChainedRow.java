package io.cdcpipeline.audit;

import java.time.Instant;

/**
 * A row of a hash chain: a change in {@code audit.change_log} or an actor in
 * {@code audit.tx_context}. {@code row_hash = SHA-256(prev_hash || canonical())}, where
 * {@link #canonical()} depends on the row's {@link #hashVersion()} (see {@link HashFormat}).
 */
interface ChainedRow {

    String chainTopic();

    int chainPartition();

    long chainOffset();

    int hashVersion();

    byte[] prevHash();

    byte[] rowHash();

    Instant committedAt();

    /** The fields the hash covers, without the version: also what a row is compared by with its Kafka record. */
    String content();

    /** The text hashed after {@code prev_hash}. */
    default String canonical() {
        return HashFormat.canonical(hashVersion(), content());
    }

    /** How {@code verify} names the row (never its contents). */
    String describe();
}
