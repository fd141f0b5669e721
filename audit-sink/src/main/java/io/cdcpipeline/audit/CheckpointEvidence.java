package io.cdcpipeline.audit;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.cdcpipeline.audit.checkpoint.Checkpoint;
import io.cdcpipeline.audit.checkpoint.CheckpointFiles;
import io.cdcpipeline.audit.checkpoint.CheckpointTopic;

/**
 * The signed checkpoints {@code verify} holds the log against, gathered from the checkpoint files
 * and the compacted topic. Only checkpoints that one of the configured public keys signed are
 * used; the others are problems (forged). So are a checkpoint whose predecessor is in no file (a
 * file was removed) and a checkpoint on the topic that is in no file (the newest file is missing).
 */
final class CheckpointEvidence {

    private final Map<String, List<Checkpoint>> heads = new HashMap<>();
    private final Map<String, Checkpoint> retention = new HashMap<>();
    final List<ChainVerifier.Problem> problems = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    private int count;

    private CheckpointEvidence() {
    }

    /** No checkpoints at all: only the chains' own consistency is checked. */
    static CheckpointEvidence none() {
        CheckpointEvidence e = new CheckpointEvidence();
        e.notes.add("no checkpoints: a rewrite that recomputes the later hashes cannot be detected");
        return e;
    }

    /**
     * @param files  what the checkpoint directory holds, or null when none was given
     * @param topic  what the checkpoint topic holds, or null without Kafka
     */
    static CheckpointEvidence of(List<PublicKey> keys, CheckpointFiles.Contents files, CheckpointTopic.Contents topic) {
        CheckpointEvidence e = new CheckpointEvidence();
        Set<String> inFiles = new HashSet<>();
        List<Checkpoint> valid = new ArrayList<>();
        if (files != null) {
            for (String line : files.unreadable()) {
                if (line.contains("incomplete last line")) {
                    e.notes.add(line);
                } else {
                    e.problems.add(new ChainVerifier.Problem("checkpoints", -1, null, "unreadable checkpoint line " + line));
                }
            }
            for (CheckpointFiles.Found found : files.checkpoints()) {
                if (accept(e, keys, found.checkpoint(), found.where())) {
                    valid.add(found.checkpoint());
                    inFiles.add(identity(found.checkpoint()));
                }
            }
            e.notes.add(files.checkpoints().size() + " checkpoints in " + files.files() + " files");
        } else {
            e.notes.add("no checkpoint directory given (AUDIT_CHECKPOINT_DIR): only the newest checkpoint of each chain, from"
                    + " Kafka, is checked, and a removed checkpoint file cannot be noticed");
        }
        if (topic != null) {
            topic.unreadable().forEach(u -> e.problems.add(new ChainVerifier.Problem("checkpoints", -1, null,
                    "unreadable checkpoint record " + u)));
            for (Checkpoint cp : topic.newest().values()) {
                if (!accept(e, keys, cp, "the checkpoint topic")) {
                    continue;
                }
                if (files != null && !inFiles.contains(identity(cp))) {
                    e.problems.add(new ChainVerifier.Problem(cp.chainTopic() + "-" + cp.chainPartition(), cp.offset(), null,
                            "the newest " + cp.kind().name().toLowerCase() + " checkpoint (on the checkpoint topic, signed "
                                    + cp.signedAt() + ") is in no checkpoint file: a file was removed or not shipped"));
                }
                valid.add(cp);
            }
        }
        for (Checkpoint cp : valid) {
            if (cp.kind() == Checkpoint.Kind.HEAD) {
                e.heads.computeIfAbsent(key(cp.log(), cp.chainTopic(), cp.chainPartition()), k -> new ArrayList<>()).add(cp);
            } else {
                e.retention.merge(key(cp.log(), cp.chainTopic(), cp.chainPartition()), cp,
                        (a, b) -> b.committedAt().isAfter(a.committedAt()) ? b : a);
            }
        }
        e.heads.values().forEach(list -> list.sort(Comparator.comparingLong(Checkpoint::offset)));
        e.count = valid.size();
        if (files != null) {
            e.findMissingPredecessors();
        }
        return e;
    }

    private static boolean accept(CheckpointEvidence e, List<PublicKey> keys, Checkpoint cp, String where) {
        if (cp.signedByOneOf(keys)) {
            return true;
        }
        e.problems.add(new ChainVerifier.Problem(cp.chainTopic() + "-" + cp.chainPartition(), cp.offset(), null,
                "the " + cp.kind().name().toLowerCase() + " checkpoint in " + where + " (signed " + cp.signedAt()
                        + ") has no valid signature of the configured keys: rejected as forged"));
        return false;
    }

    /** Every head checkpoint names its predecessor; each must be in a file, unless retention dropped its rows. */
    private void findMissingPredecessors() {
        for (Map.Entry<String, List<Checkpoint>> chain : heads.entrySet()) {
            Set<String> present = new HashSet<>();
            chain.getValue().forEach(cp -> present.add(cp.offset() + "/" + cp.rowHash()));
            Checkpoint dropped = retention.get(chain.getKey());
            Set<String> reported = new HashSet<>();
            for (Checkpoint cp : chain.getValue()) {
                if (cp.prevOffset() == null || present.contains(cp.prevOffset() + "/" + cp.prevHash())
                        || (dropped != null && cp.prevOffset() <= dropped.offset()) || !reported.add(cp.prevOffset() + "")) {
                    continue;
                }
                problems.add(new ChainVerifier.Problem(cp.chainTopic() + "-" + cp.chainPartition(), cp.prevOffset(), null,
                        "the checkpoint at this offset, which the checkpoint at offset " + cp.offset() + " names as its predecessor,"
                                + " is in no checkpoint file: a checkpoint file was removed"));
            }
        }
    }

    private static String identity(Checkpoint cp) {
        return cp.topicKey() + "@" + cp.offset() + "/" + cp.rowHash() + "/" + cp.signature();
    }

    static String key(String log, String topic, int partition) {
        return log + "/" + topic + "/" + partition;
    }

    int count() {
        return count;
    }

    List<Checkpoint> heads(String chainKey) {
        return heads.getOrDefault(chainKey, List.of());
    }

    Checkpoint retention(String chainKey) {
        return retention.get(chainKey);
    }

    /** Chains some checkpoint names: a chain whose rows are all gone is still checked. */
    Set<String> chains() {
        Set<String> all = new HashSet<>(heads.keySet());
        all.addAll(retention.keySet());
        return all;
    }
}
