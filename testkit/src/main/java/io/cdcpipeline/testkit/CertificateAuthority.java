package io.cdcpipeline.testkit;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority, generated at run time, that issues server and client
 * certificates as PEM files. Nothing it creates is ever committed: keys live in a temporary
 * directory with mode 0600.
 *
 * <p>Private keys are written as unencrypted PKCS#8 PEM (a "PRIVATE KEY" block): the form both
 * OpenSSL (PostgreSQL, Redis) and pgjdbc read. pgjdbc refuses PKCS#1 keys and keys readable by
 * group or others.
 *
 * <p>Thread-safe.
 */
public final class CertificateAuthority {

    private static final Duration VALIDITY = Duration.ofDays(2);
    private static final String SIGNATURE = "SHA256withRSA";
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    private final String name;
    private final KeyPair keyPair;
    private final X509Certificate certificate;
    private final Path certificateFile;

    private CertificateAuthority(String name, KeyPair keyPair, X509Certificate certificate, Path certificateFile) {
        this.name = name;
        this.keyPair = keyPair;
        this.certificate = certificate;
        this.certificateFile = certificateFile;
    }

    /** Creates a new self-signed CA and writes its certificate to {@code directory/<name>.crt}. */
    public static CertificateAuthority create(String name, Path directory) {
        try {
            Files.createDirectories(directory);
            KeyPair keys = newKeyPair();
            X500Name subject = new X500Name("CN=" + name + ",O=cdc-pipeline test");
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, nextSerial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, keys.getPublic());
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate cert = sign(builder, keys);
            Path file = directory.resolve(name + ".crt");
            writePem(file, cert, false);
            return new CertificateAuthority(name, keys, cert, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create CA " + name, e);
        }
    }

    public String name() {
        return name;
    }

    /** PEM file of this CA's certificate: what clients and servers trust. */
    public Path certificateFile() {
        return certificateFile;
    }

    /**
     * Issues a server certificate for the given host names and IP addresses (subject alternative
     * names: {@code verify-full} checks the host against them).
     */
    public CertificateFiles issueServer(Path directory, String fileName, List<String> hostNames, List<String> ipAddresses) {
        List<GeneralName> names = new ArrayList<>();
        hostNames.forEach(h -> names.add(new GeneralName(GeneralName.dNSName, h)));
        ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
        String cn = hostNames.isEmpty() ? ipAddresses.get(0) : hostNames.get(0);
        return issue(directory, fileName, cn, KeyPurposeId.id_kp_serverAuth, new GeneralNames(names.toArray(GeneralName[]::new)));
    }

    /** Issues a client certificate whose CN is {@code commonName}: PostgreSQL maps CN to the role. */
    public CertificateFiles issueClient(Path directory, String commonName) {
        return issue(directory, commonName, commonName, KeyPurposeId.id_kp_clientAuth, null);
    }

    private CertificateFiles issue(Path directory, String fileName, String commonName, KeyPurposeId purpose, GeneralNames altNames) {
        try {
            Files.createDirectories(directory);
            KeyPair keys = newKeyPair();
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, nextSerial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)),
                    new X500Name("CN=" + commonName), keys.getPublic());
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(certificate));
            if (altNames != null) {
                builder.addExtension(Extension.subjectAlternativeName, false, altNames);
            }
            X509Certificate cert = sign(builder, keyPair);
            Path certFile = directory.resolve(fileName + ".crt");
            Path keyFile = directory.resolve(fileName + ".key");
            writePem(certFile, cert, false);
            writePem(keyFile, new JcaPKCS8Generator(keys.getPrivate(), null).generate(), true);
            return new CertificateFiles(certFile, keyFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue certificate for " + commonName, e);
        }
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, new SecureRandom());
        return generator.generateKeyPair();
    }

    private static BigInteger nextSerial() {
        return BigInteger.valueOf(SERIALS.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws GeneralSecurityException {
        try {
            ContentSigner contentSigner = new JcaContentSignerBuilder(SIGNATURE).build(signer.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static void writePem(Path file, Object object, boolean secret) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        Files.deleteIfExists(file);
        if (secret) {
            // Created with 0600 from the start: the key is never readable by others, not even briefly.
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(file, text.toString(), StandardCharsets.US_ASCII);
    }

    /** Loopback addresses a local server certificate must name. */
    static List<String> loopbackAddresses() {
        return List.of(InetAddress.getLoopbackAddress().getHostAddress(), "::1");
    }
}
