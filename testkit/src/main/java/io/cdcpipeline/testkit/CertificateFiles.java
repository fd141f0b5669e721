package io.cdcpipeline.testkit;

import java.nio.file.Path;

/** A PEM certificate and its PKCS#8 PEM private key (mode 0600). */
public record CertificateFiles(Path certificate, Path privateKey) {
}
