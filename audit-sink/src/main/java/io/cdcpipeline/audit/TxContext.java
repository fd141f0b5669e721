package io.cdcpipeline.audit;

import java.time.Instant;
import java.util.List;

/**
 * Who ran a transaction, from its {@code audit.context} message, keyed by (xid, commit time):
 * xids wrap. Chained per partition of the message topic, like changes per partition of theirs.
 */
record TxContext(long txId, Instant committedAt, String dbUser, String appUser, String appOrg, String applicationName,
                 String clientAddr, long sourceLsn, String chainTopic, int chainPartition, long chainOffset, int hashVersion,
                 byte[] prevHash, byte[] rowHash) implements ChainedRow {

    @Override
    public String content() {
        return HashFormat.join(List.of("actor", Long.toString(txId), Long.toString(committedAt.toEpochMilli()),
                HashFormat.text(dbUser), HashFormat.text(appUser), HashFormat.text(appOrg), HashFormat.text(applicationName),
                HashFormat.text(clientAddr), Long.toString(sourceLsn), chainTopic, Integer.toString(chainPartition),
                Long.toString(chainOffset)));
    }

    TxContext chained(byte[] previous) {
        byte[] hash = ChainHash.of(previous, canonical());
        return new TxContext(txId, committedAt, dbUser, appUser, appOrg, applicationName, clientAddr, sourceLsn, chainTopic,
                chainPartition, chainOffset, hashVersion, previous, hash);
    }

    /** The key the log holds one actor per: (transaction id, commit time). */
    String key() {
        return txId + "|" + committedAt.toEpochMilli();
    }

    @Override
    public String describe() {
        return "the actor of transaction " + txId;
    }
}
