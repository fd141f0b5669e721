package io.cdcpipeline.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** {@code row_hash = SHA-256(prev_hash || canonical row)}; a chain starts from 32 zero bytes. */
final class ChainHash {

    static final byte[] GENESIS = new byte[32];

    private ChainHash() {
    }

    static byte[] of(byte[] previous, String canonicalRow) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(previous);
            sha.update(canonicalRow.getBytes(StandardCharsets.UTF_8));
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    static String hex(byte[] hash) {
        return hash == null ? "null" : HexFormat.of().formatHex(hash);
    }
}
