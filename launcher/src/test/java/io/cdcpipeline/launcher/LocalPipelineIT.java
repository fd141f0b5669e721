package io.cdcpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.PostgresServer;

class LocalPipelineIT {

    @Test
    void shouldPrintWorkingEndpointsAndCleanUpOnClose() throws Exception {
        LocalPipeline pipeline = LocalPipeline.start();
        List<ProcessHandle> processes = pipeline.infrastructure().processes();
        Path root = pipeline.infrastructure().root();
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            Launcher.printEndpoints(pipeline, new PrintStream(buffer, true, StandardCharsets.UTF_8));
            String printed = buffer.toString(StandardCharsets.UTF_8);

            assertThat(printed).contains("sslmode=verify-full", pipeline.infrastructure().kafka().bootstrapServers(),
                    pipeline.infrastructure().redis().url());
            assertThat(printed).as("no private key material is printed, only its path").doesNotContain("PRIVATE KEY");

            String url = pipeline.endpoints().get("PostgreSQL JDBC URL");
            var cert = pipeline.infrastructure().tls().client(PostgresServer.SUPERUSER);
            try (Connection c = DriverManager.getConnection(url + "&user=postgres&sslcert=" + cert.certificate()
                    + "&sslkey=" + cert.privateKey()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_database()")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo(LocalPipeline.DATABASE);
            }
        } finally {
            pipeline.close();
        }
        assertThat(processes).noneMatch(ProcessHandle::isAlive);
        assertThat(Files.exists(root)).isFalse();
    }
}
