package io.cdcpipeline.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;

import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

/**
 * A read-through cache over Redis that never stores a value older than a committed change.
 *
 * <p>The classic race: a reader loads a row, a writer commits a new version, the invalidation
 * deletes the key, and then the reader stores what it loaded — stale until its TTL. Here a reader
 * that misses first takes a <em>lease</em> on the key (a random token, {@code SET NX PX}), loads,
 * and stores only if its lease is still the key's lease (one atomic Lua script). The invalidator
 * deletes the value <em>and</em> the lease, so a load that started before the change can never be
 * stored after it. Readers that find someone else's lease load without storing. The TTL is only a
 * backstop.
 *
 * <p>Values are JSON. Keys are {@code <prefix><key>}; a key's lease is {@code {<prefix><key>}#lease}: the
 * hash tag puts value and lease in one slot of a Redis Cluster (a key without braces hashes whole),
 * so the script and the invalidator's two-key DEL work there too. Keys and prefixes hold no braces.
 * Thread-safe (the Redis client is pooled).
 */
public final class LeasedCache {

    static final String LEASE_SUFFIX = "#lease";

    /** The lease of {@code cacheKey} (prefix included), in the same Redis Cluster slot. */
    public static String leaseKey(String cacheKey) {
        return "{" + cacheKey + "}" + LEASE_SUFFIX;
    }

    /** Braces would make Redis Cluster hash a part of the key only, and split a value from its lease. */
    static String checkedKey(String cacheKey) {
        if (cacheKey.indexOf('{') >= 0 || cacheKey.indexOf('}') >= 0) {
            throw new IllegalArgumentException("a cache key holds no braces: " + cacheKey);
        }
        return cacheKey;
    }

    /** Stores ARGV[2] with TTL ARGV[3] ms at KEYS[1] only while KEYS[2] (the lease) still holds ARGV[1]. */
    private static final String STORE_IF_LEASED = """
            if redis.call('GET', KEYS[2]) == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
              redis.call('DEL', KEYS[2])
              return 1
            end
            return 0
            """;

    /** Loads a value on a miss; may return null (nothing cached then). */
    @FunctionalInterface
    public interface Loader<T> {
        T load() throws Exception;
    }

    private final UnifiedJedis redis;
    private final String prefix;
    private final Duration leaseTtl;
    private final boolean leases;
    private final ObjectMapper json;

    /**
     * @param leases  false stores unconditionally: the classic race is open (for demonstration only)
     */
    public LeasedCache(UnifiedJedis redis, String prefix, Duration leaseTtl, boolean leases, ObjectMapper json) {
        this.redis = redis;
        this.prefix = checkedKey(prefix);
        this.leaseTtl = leaseTtl;
        this.leases = leases;
        this.json = json;
    }

    public <T> T get(String key, Class<T> type, Loader<T> loader, Duration ttl) throws Exception {
        return get(key, json.constructType(type), loader, ttl);
    }

    public <T> T get(String key, JavaType type, Loader<T> loader, Duration ttl) throws Exception {
        String cacheKey = checkedKey(prefix + key);
        String cached = redis.get(cacheKey);
        if (cached != null) {
            return json.readValue(cached, type);
        }
        String token = UUID.randomUUID().toString();
        boolean leased = !leases
                || "OK".equals(redis.set(leaseKey(cacheKey), token, SetParams.setParams().nx().px(leaseTtl.toMillis())));
        T value = loader.load();
        if (value != null && leased) {
            String text = serialize(value);
            if (leases) {
                redis.eval(STORE_IF_LEASED, List.of(cacheKey, leaseKey(cacheKey)), List.of(token, text,
                        Long.toString(ttl.toMillis())));
            } else {
                redis.set(cacheKey, text, SetParams.setParams().px(ttl.toMillis()));
            }
        }
        return value;
    }

    /** What an application may call after its own write; the invalidator does the same from the change stream. */
    public void invalidate(String key) {
        String cacheKey = checkedKey(prefix + key);
        redis.del(cacheKey, leaseKey(cacheKey));
    }

    private String serialize(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
