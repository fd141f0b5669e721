package io.cdcpipeline.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * Where Redis is: {@code REDIS_URL} ({@code redis://} or {@code rediss://} for TLS, optional
 * {@code user:password@}), the CA to verify a TLS server with, and timeouts. The password is kept
 * out of {@link #toString()}.
 */
public record RedisSettings(URI url, Optional<Path> tlsCa, Duration timeout, boolean cluster) {

    public RedisSettings(URI url, Optional<Path> tlsCa, Duration timeout) {
        this(url, tlsCa, timeout, false);
    }

    public static final Setting<URI> REDIS_URL = Setting.string("REDIS_URL",
            "redis://[user:password@]host:port, or rediss:// for TLS").map(URI::create).requiring(
            u -> ("redis".equals(u.getScheme()) || "rediss".equals(u.getScheme())) && u.getHost() != null && u.getPort() > 0,
            "redis://host:port or rediss://host:port").secret();
    public static final Setting<Path> REDIS_TLS_CA = Setting.readableFile("REDIS_TLS_CA",
            "PEM file of the CA that signed the Redis server certificate (rediss://; default: the JVM's trust store)");
    public static final Setting<Duration> REDIS_TIMEOUT = Setting.millis("REDIS_TIMEOUT",
            "ms to connect to Redis and to wait for one reply").withDefault("2000").requiring(d -> d.toMillis() >= 10, "at least 10 ms");

    public static final Setting<Boolean> REDIS_CLUSTER = Setting.bool("REDIS_CLUSTER",
            "REDIS_URL is a node of a Redis Cluster: the client learns the others from it and routes each key to its slot")
            .withDefault("false");

    public static final List<Setting<?>> SETTINGS = List.of(REDIS_URL, REDIS_TLS_CA, REDIS_TIMEOUT, REDIS_CLUSTER);

    public static RedisSettings read(Settings settings) {
        return new RedisSettings(settings.required(REDIS_URL), settings.optional(REDIS_TLS_CA), settings.required(REDIS_TIMEOUT),
                Boolean.TRUE.equals(settings.required(REDIS_CLUSTER)));
    }

    boolean tls() {
        return "rediss".equals(url.getScheme());
    }

    /** A pooled client (of the cluster, with REDIS_CLUSTER); TLS verifies the server certificate and its host name. */
    public UnifiedJedis client(String clientName) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) timeout.toMillis())
                .socketTimeoutMillis((int) timeout.toMillis())
                .clientName(clientName);
        String userInfo = url.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? null : decode(userInfo.substring(0, colon));
            String password = decode(colon < 0 ? userInfo : userInfo.substring(colon + 1));
            if (user != null && !user.isEmpty()) {
                config.user(user);
            }
            config.password(password);
        }
        if (tls()) {
            SSLParameters parameters = new SSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            config.ssl(true).sslParameters(parameters);
            tlsCa.ifPresent(ca -> config.sslSocketFactory(trusting(ca).getSocketFactory()));
        }
        HostAndPort node = new HostAndPort(url.getHost(), url.getPort());
        if (cluster) {
            return RedisClusterClient.builder().nodes(java.util.Set.of(node)).clientConfig(config.build()).build();
        }
        return RedisClient.builder().hostAndPort(node).clientConfig(config.build()).build();
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static SSLContext trusting(Path caPem) {
        try (InputStream in = Files.newInputStream(caPem)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("redis-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read REDIS_TLS_CA " + caPem, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("REDIS_TLS_CA " + caPem + " is not a PEM certificate", e);
        }
    }

    @Override
    public String toString() {
        return url.getScheme() + "://" + url.getHost() + ":" + url.getPort();
    }
}
