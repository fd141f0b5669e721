package io.cdcpipeline.testkit;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The certificates one set of local servers uses: a CA generated at run time, a server certificate
 * for {@code localhost}, {@code 127.0.0.1} and {@code ::1}, and client certificates issued on demand
 * per role (CN = role name, the mapping PostgreSQL's {@code cert} authentication uses).
 *
 * <p>Thread-safe.
 */
public final class TlsMaterial {

    private final Path directory;
    private final CertificateAuthority authority;
    private final CertificateFiles server;
    private final Map<String, CertificateFiles> clients = new ConcurrentHashMap<>();

    private TlsMaterial(Path directory, CertificateAuthority authority, CertificateFiles server) {
        this.directory = directory;
        this.authority = authority;
        this.server = server;
    }

    /** Generates a new CA and server certificate under {@code directory}. */
    public static TlsMaterial generate(Path directory) {
        CertificateAuthority ca = CertificateAuthority.create("cdc-test-ca", directory);
        CertificateFiles server = ca.issueServer(directory, "server", List.of("localhost"), CertificateAuthority.loopbackAddresses());
        return new TlsMaterial(directory, ca, server);
    }

    public Path caCertificate() {
        return authority.certificateFile();
    }

    public CertificateFiles server() {
        return server;
    }

    /** A client certificate for {@code role}, issued the first time it is asked for. */
    public CertificateFiles client(String role) {
        return clients.computeIfAbsent(role, r -> authority.issueClient(directory.resolve("clients"), r));
    }

    public Path directory() {
        return directory;
    }
}
