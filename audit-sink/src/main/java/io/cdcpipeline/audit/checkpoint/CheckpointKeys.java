package io.cdcpipeline.audit.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checkpoint signing key (Ed25519) in the PEM files {@code openssl genpkey -algorithm ed25519}
 * and {@code openssl pkey -pubout} write: a PKCS#8 private key for the sink, X.509 public keys for
 * {@code verify}. A public key file may hold several keys (the current one and those it replaced),
 * so checkpoints signed before a key rotation still verify. Key material is never logged.
 */
public final class CheckpointKeys {

    public static final String ALGORITHM = "Ed25519";
    private static final String DASHES = "-----";
    private static final Pattern PEM = Pattern.compile(DASHES + "BEGIN ([A-Z ]+)" + DASHES + "([^-]+)" + DASHES + "END \\1" + DASHES);
    private static final String PRIVATE = "PRIVATE KEY";
    private static final String PUBLIC = "PUBLIC KEY";

    private CheckpointKeys() {
    }

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM since 15 has Ed25519", e);
        }
    }

    /** The private key of a PEM file ("PRIVATE KEY", PKCS#8). */
    public static PrivateKey readPrivate(Path file) throws IOException {
        List<byte[]> blocks = blocks(file, PRIVATE);
        if (blocks.size() != 1) {
            throw new IOException(file + " must hold one PEM block of type " + PRIVATE + " (an Ed25519 key in PKCS#8, as"
                    + " 'openssl genpkey -algorithm ed25519' writes), found " + blocks.size());
        }
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(blocks.get(0)));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " is not an Ed25519 private key: " + e.getMessage());
        }
    }

    /** Every public key of a PEM file ("PUBLIC KEY" blocks, X.509 SubjectPublicKeyInfo). */
    public static List<PublicKey> readPublic(Path file) throws IOException {
        List<PublicKey> keys = new ArrayList<>();
        for (byte[] block : blocks(file, PUBLIC)) {
            try {
                keys.add(KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(block)));
            } catch (GeneralSecurityException e) {
                throw new IOException(file + " holds a public key that is not Ed25519: " + e.getMessage());
            }
        }
        if (keys.isEmpty()) {
            throw new IOException(file + " holds no PEM block of type " + PUBLIC + " (openssl pkey -in key.pem -pubout)");
        }
        return keys;
    }

    /** Writes the private key readable by its owner only. */
    public static void writePrivate(Path file, PrivateKey key) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(Set.of(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE)));
        Files.writeString(file, pem(PRIVATE, key.getEncoded()), StandardCharsets.US_ASCII);
    }

    public static void writePublic(Path file, PublicKey key) throws IOException {
        Files.writeString(file, pem(PUBLIC, key.getEncoded()), StandardCharsets.US_ASCII);
    }

    private static String pem(String type, byte[] der) {
        return DASHES + "BEGIN " + type + DASHES + "\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n" + DASHES + "END " + type + DASHES + "\n";
    }

    private static List<byte[]> blocks(Path file, String type) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<byte[]> blocks = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(type)) {
                blocks.add(Base64.getMimeDecoder().decode(m.group(2)));
            }
        }
        return blocks;
    }
}
