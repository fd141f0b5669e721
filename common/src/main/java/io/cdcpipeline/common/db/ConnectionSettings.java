package io.cdcpipeline.common.db;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import io.cdcpipeline.common.config.Secret;
import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;

/**
 * Where and how to connect to PostgreSQL: host, database, role, password and TLS material, from
 * the seed's {@code DB_*} variables plus {@code DB_SSL_*}. TLS defaults to {@code verify-full}.
 *
 * @param password     absent when the role authenticates by client certificate
 * @param sslRootCert  CA that signed the server certificate; required unless sslmode is below verify-ca
 * @param sslCert      client certificate (certificate authentication), optional
 * @param sslKey       its PKCS-8 key (mode 0600), required with sslCert
 */
public record ConnectionSettings(String host, int port, String database, String user, Optional<Secret> password,
                                 SslMode sslMode, Optional<Path> sslRootCert, Optional<Path> sslCert,
                                 Optional<Path> sslKey, String applicationName) {

    public static final Setting<String> DB_HOST = Setting.string("DB_HOST", "PostgreSQL host name (must match the server certificate under verify-full)");
    public static final Setting<Integer> DB_PORT = Setting.integer("DB_PORT", "PostgreSQL port").withDefault("5432").between(1, 65535);
    public static final Setting<String> DB_NAME = Setting.string("DB_NAME", "database name");
    public static final Setting<String> DB_USER = Setting.string("DB_USER", "role to log in as");
    public static final Setting<String> DB_PASSWORD = Setting.string("DB_PASSWORD", "password of DB_USER; leave unset for client-certificate authentication").secret();
    public static final Setting<SslMode> DB_SSL_MODE = Setting.oneOf("DB_SSL_MODE", SslMode.class, "TLS mode (pgjdbc sslmode)").withDefault("verify-full");
    public static final Setting<Path> DB_SSL_ROOT_CERT = Setting.readableFile("DB_SSL_ROOT_CERT", "PEM file of the CA that signed the server certificate (required for verify-ca / verify-full)");
    public static final Setting<Path> DB_SSL_CERT = Setting.readableFile("DB_SSL_CERT", "PEM client certificate (CN = role) for certificate authentication");
    public static final Setting<Path> DB_SSL_KEY = Setting.readableFile("DB_SSL_KEY", "PKCS-8 private key of DB_SSL_CERT, mode 0600");

    /** Every variable this record reads, for the generated reference. */
    public static final List<Setting<?>> SETTINGS = List.of(DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD,
            DB_SSL_MODE, DB_SSL_ROOT_CERT, DB_SSL_CERT, DB_SSL_KEY);

    public ConnectionSettings {
        password = password == null ? Optional.empty() : password;
    }

    /**
     * Reads the {@code DB_*} connection variables into {@code settings} (problems are collected
     * there; call {@link Settings#validate} afterwards).
     */
    public static ConnectionSettings read(Settings settings, String applicationName) {
        String host = settings.required(DB_HOST);
        Integer port = settings.required(DB_PORT);
        String database = settings.required(DB_NAME);
        String user = settings.required(DB_USER);
        Optional<Secret> password = settings.optional(DB_PASSWORD).map(Secret::new);
        SslMode mode = settings.required(DB_SSL_MODE);
        Optional<Path> root = settings.optional(DB_SSL_ROOT_CERT);
        Optional<Path> cert = settings.optional(DB_SSL_CERT);
        Optional<Path> key = settings.optional(DB_SSL_KEY);
        if (mode != null && mode.verifiesServer() && root.isEmpty() && settings.raw(DB_SSL_ROOT_CERT.name()) == null) {
            settings.problem(DB_SSL_ROOT_CERT.name() + " is missing: DB_SSL_MODE=" + mode.pgValue()
                    + " verifies the server certificate against this CA");
        }
        boolean certGiven = settings.raw(DB_SSL_CERT.name()) != null;
        boolean keyGiven = settings.raw(DB_SSL_KEY.name()) != null;
        if (certGiven != keyGiven) {
            settings.problem("DB_SSL_CERT and DB_SSL_KEY must be given together");
        }
        return new ConnectionSettings(host, port == null ? 0 : port, database, user, password, mode, root, cert, key, applicationName);
    }

    /** Convenience: reads and validates in one step. */
    public static ConnectionSettings fromEnv(Map<String, String> env, String applicationName) {
        Settings settings = new Settings(env);
        ConnectionSettings result = read(settings, applicationName);
        settings.validate("database connection");
        return result;
    }

    /** JDBC URL without credentials or file paths (those go in {@link #driverProperties()}). */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** The same settings pointed at another server (a replica) on {@code host:port}. */
    public ConnectionSettings withServer(String otherHost, int otherPort) {
        return new ConnectionSettings(otherHost, otherPort, database, user, password, sslMode, sslRootCert, sslCert, sslKey, applicationName);
    }

    public ConnectionSettings withUser(String otherUser, Optional<Secret> otherPassword, Optional<Path> cert, Optional<Path> key) {
        return new ConnectionSettings(host, port, database, otherUser, otherPassword, sslMode, sslRootCert, cert, key, applicationName);
    }

    public ConnectionSettings withApplicationName(String name) {
        return new ConnectionSettings(host, port, database, user, password, sslMode, sslRootCert, sslCert, sslKey, name);
    }

    /**
     * pgjdbc properties: credentials, TLS files, {@code ApplicationName}, TCP keep-alive. The
     * password is only here, never in the URL, so it cannot leak through a logged URL.
     */
    public Properties driverProperties() {
        Properties p = new Properties();
        p.setProperty("user", user);
        password.ifPresent(s -> p.setProperty("password", s.reveal()));
        p.setProperty("sslmode", sslMode.pgValue());
        sslRootCert.ifPresent(path -> p.setProperty("sslrootcert", path.toString()));
        sslCert.ifPresent(path -> p.setProperty("sslcert", path.toString()));
        sslKey.ifPresent(path -> p.setProperty("sslkey", path.toString()));
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("tcpKeepAlive", "true");
        return p;
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port + "/" + database + " (sslmode=" + sslMode.pgValue() + ")";
    }
}
