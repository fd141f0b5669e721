package io.cdcpipeline.audit.personal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.cdcpipeline.common.change.CanonicalJson;

/**
 * A personal value as the audit log stores it: {@code {"sealed": "<base64>", "subject": "users:42"}},
 * where the base64 text is a 96-bit random nonce, then the AES-256-GCM ciphertext and tag of the
 * value's canonical JSON text. The associated data binds it to its subject and its column
 * ({@code schema.table.column}), so a sealed value moved to another column or subject no longer
 * opens. The subject is in clear: it names the key, and erasing that key is what makes the value
 * unreadable; the hash chain covers this text, so {@code verify} never needs a key.
 */
public final class SealedValue {

    static final String SEALED = "sealed";
    static final String SUBJECT = "subject";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * One cipher per thread, initialised afresh (new nonce) for every value: looking the
     * transformation up for each value was most of sealing's cost (bench audit).
     */
    private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no AES-GCM", e);
        }
    });

    /** The parts of a stored sealed value. */
    public record Parts(String subject, byte[] sealed) {
    }

    private SealedValue() {
    }

    /** A new random AES-256 key. */
    public static SecretKey newKey() {
        try {
            KeyGenerator generator = KeyGenerator.getInstance("AES");
            generator.init(256, RANDOM);
            return generator.generateKey();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no AES", e);
        }
    }

    public static SecretKey key(byte[] raw) {
        return new SecretKeySpec(raw, "AES");
    }

    /** The canonical JSON text of the sealed form of {@code plaintextJson} (a value's canonical JSON text). */
    public static String seal(SecretKey key, String subject, String field, String plaintextJson) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = CIPHER.get();
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData(subject, field));
            byte[] ciphertext = cipher.doFinal(plaintextJson.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = ByteBuffer.allocate(nonce.length + ciphertext.length).put(nonce).put(ciphertext).array();
            SortedMap<String, String> members = new TreeMap<>();
            members.put(SEALED, CanonicalJson.of(TextNode.valueOf(Base64.getEncoder().encodeToString(sealed))));
            members.put(SUBJECT, CanonicalJson.of(TextNode.valueOf(subject)));
            return CanonicalJson.ofMembers(members);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to seal a value", e);
        }
    }

    /** The parts of a value in sealed form; empty for any other value. */
    public static Optional<Parts> parse(JsonNode value) {
        if (value == null || !value.isObject() || value.size() != 2 || !value.path(SEALED).isTextual()
                || !value.path(SUBJECT).isTextual()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Parts(value.get(SUBJECT).asText(), Base64.getDecoder().decode(value.get(SEALED).asText())));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The value's canonical JSON text; throws when the key, subject or column is not the one it was sealed with, or it was altered. */
    public static String open(SecretKey key, Parts parts, String field) throws GeneralSecurityException {
        if (parts.sealed().length < NONCE_BYTES + TAG_BITS / 8) {
            throw new GeneralSecurityException("too short to be a sealed value");
        }
        Cipher cipher = CIPHER.get();
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, parts.sealed(), 0, NONCE_BYTES));
        cipher.updateAAD(associatedData(parts.subject(), field));
        byte[] plain = cipher.doFinal(parts.sealed(), NONCE_BYTES, parts.sealed().length - NONCE_BYTES);
        return new String(plain, StandardCharsets.UTF_8);
    }

    private static byte[] associatedData(String subject, String field) {
        return (subject + "\u001f" + field).getBytes(StandardCharsets.UTF_8);
    }
}
