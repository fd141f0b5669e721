package io.cdcpipeline.audit;

import java.time.Instant;

/** Who ran a transaction, from its {@code audit.context} message; keyed by (xid, commit time): xids wrap. */
record TxContext(long txId, Instant committedAt, String dbUser, String appUser, String appOrg, String applicationName,
                 String clientAddr, long sourceLsn) {
}
