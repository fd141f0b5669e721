package io.cdcpipeline.audit.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Map;

/**
 * Checkpoint settings for a pipeline on one machine (the local run, tests, benchmarks): a key pair
 * generated on first use under {@code dir} (never committed: {@code dir} is a run's own data
 * directory) and the checkpoint files beside it.
 */
public final class LocalCheckpoints {

    private LocalCheckpoints() {
    }

    /** AUDIT_CHECKPOINT_KEY_FILE, AUDIT_CHECKPOINT_PUBLIC_KEY_FILE and AUDIT_CHECKPOINT_DIR under {@code dir}. */
    public static Map<String, String> env(Path dir) {
        try {
            Files.createDirectories(dir);
            Path privateKey = dir.resolve("checkpoint-key.pem");
            Path publicKey = dir.resolve("checkpoint-key.pub.pem");
            if (!Files.exists(privateKey) || !Files.exists(publicKey)) {
                KeyPair pair = CheckpointKeys.generate();
                CheckpointKeys.writePrivate(privateKey, pair.getPrivate());
                CheckpointKeys.writePublic(publicKey, pair.getPublic());
            }
            return Map.of("AUDIT_CHECKPOINT_KEY_FILE", privateKey.toString(), "AUDIT_CHECKPOINT_PUBLIC_KEY_FILE", publicKey.toString(),
                    "AUDIT_CHECKPOINT_DIR", dir.resolve("checkpoints").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
