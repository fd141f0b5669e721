package io.cdcpipeline.launcher;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.testkit.CertificateFiles;
import io.cdcpipeline.testkit.EmbeddedInfrastructure;
import io.cdcpipeline.testkit.PostgresServer;

/**
 * The whole pipeline on one machine: embedded PostgreSQL (TLS, logical replication), a Kafka
 * broker in a child JVM, Redis, and (as they are built) the schema and every service.
 * {@link #close()} stops all of it and deletes its files.
 */
public final class LocalPipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalPipeline.class);
    static final String DATABASE = "blog";

    private final EmbeddedInfrastructure infrastructure;

    private LocalPipeline(EmbeddedInfrastructure infrastructure) {
        this.infrastructure = infrastructure;
    }

    public static LocalPipeline start() {
        long started = System.nanoTime();
        EmbeddedInfrastructure infrastructure = EmbeddedInfrastructure.create().startAll();
        try {
            infrastructure.postgres().execute("postgres", "CREATE DATABASE " + DATABASE);
        } catch (RuntimeException e) {
            infrastructure.close();
            throw e;
        }
        LOG.info("local pipeline started in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return new LocalPipeline(infrastructure);
    }

    public EmbeddedInfrastructure infrastructure() {
        return infrastructure;
    }

    /** What a person needs to connect, in display order. No secrets: certificate paths only. */
    public Map<String, String> endpoints() {
        PostgresServer pg = infrastructure.postgres();
        CertificateFiles superuser = pg.tls().client(PostgresServer.SUPERUSER);
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("PostgreSQL JDBC URL", pg.jdbcUrl(DATABASE));
        endpoints.put("PostgreSQL superuser", PostgresServer.SUPERUSER + " (client certificate below)");
        endpoints.put("CA certificate", pg.tls().caCertificate().toString());
        endpoints.put("superuser certificate", superuser.certificate().toString());
        endpoints.put("superuser key", superuser.privateKey().toString());
        endpoints.put("psql", "psql \"host=" + pg.host() + " port=" + pg.port() + " dbname=" + DATABASE
                + " user=" + PostgresServer.SUPERUSER + " sslmode=verify-full sslrootcert=" + pg.tls().caCertificate()
                + " sslcert=" + superuser.certificate() + " sslkey=" + superuser.privateKey() + "\"");
        endpoints.put("Kafka bootstrap", infrastructure.kafka().bootstrapServers());
        endpoints.put("Redis URL", infrastructure.redis().url());
        return endpoints;
    }

    @Override
    public void close() {
        infrastructure.close();
    }
}
