package io.cdcpipeline.cache;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * What a TRUNCATE invalidates. It names no row, so the key rules have nothing to fill their
 * templates with: instead every key the truncated table's rules could produce goes, found with
 * {@code SCAN ... MATCH} (never {@code KEYS}, which blocks Redis) on each template with its
 * placeholders as {@code *}, under the key prefix. Keys of other tables that happen to match go
 * too ({@code user:*} also matches {@code user:7:preferences}): an invalidation too many costs a
 * reload, one too few a stale read. Each pattern walks the whole keyspace, which a truncate, rare
 * by nature, can afford.
 *
 * <p>Leases are scanned first, then values. SCAN may miss a key created or deleted while it runs,
 * and a {@link LeasedCache} reader that loaded before the truncate stores its value (and drops
 * its lease) at one moment: if that is after the lease scan, the lease was there throughout it and
 * is gone, so the store fails; if before, the value is there throughout the value scan and goes.
 *
 * <p>Redis errors propagate: the caller retries the batch, and this runs again from the start.
 * Used from the consumer loop's writer thread.
 */
final class TruncateInvalidation {

    private static final int SCAN_COUNT = 1000;

    private final UnifiedJedis redis;
    private final String keyPrefix;
    private final Optional<String> channel;

    TruncateInvalidation(UnifiedJedis redis, String keyPrefix, Optional<String> channel) {
        this.redis = redis;
        this.keyPrefix = keyPrefix;
        this.channel = channel;
    }

    /** SCAN MATCH patterns of the cached values that {@code globs} (from {@link KeyRules#globsFor}) cover. */
    static Set<String> valuePatterns(String keyPrefix, Collection<String> globs) {
        Set<String> patterns = new LinkedHashSet<>();
        globs.forEach(glob -> patterns.add(KeyRules.escapeGlob(keyPrefix) + glob));
        return patterns;
    }

    /** SCAN MATCH patterns of the leases of those values. */
    static Set<String> leasePatterns(String keyPrefix, Collection<String> globs) {
        Set<String> patterns = new LinkedHashSet<>();
        // {<value pattern>}#lease: braces are literal in a SCAN pattern, and '#' needs no escape.
        valuePatterns(keyPrefix, globs).forEach(p -> patterns.add("{" + p + "}" + KeyRules.escapeGlob(LeasedCache.LEASE_SUFFIX)));
        return patterns;
    }

    /** Deletes every lease, then every value, matching {@code globs}; returns the values deleted. */
    long invalidate(Collection<String> globs) {
        for (String pattern : leasePatterns(keyPrefix, globs)) {
            deleteMatching(pattern, false);
        }
        long values = 0;
        for (String pattern : valuePatterns(keyPrefix, globs)) {
            values += deleteMatching(pattern, true);
        }
        return values;
    }

    private long deleteMatching(String pattern, boolean publish) {
        ScanParams params = new ScanParams().match(pattern).count(SCAN_COUNT);
        long values = 0;
        if (redis instanceof RedisClusterClient cluster) {
            // SCAN reads one node's keys: every master's, one after another.
            for (var pool : cluster.getClusterNodes().values()) {
                try (Jedis node = new Jedis(pool.getResource())) {
                    if ("master".equals(String.valueOf(node.role().get(0)))) {
                        values += deleteMatching(node::scan, params, publish);
                    }
                }
            }
            return values;
        }
        return deleteMatching(redis::scan, params, publish);
    }

    /** SCAN over one keyspace, deleting each page: one DEL per key, which a cluster routes to the key's slot. */
    private long deleteMatching(java.util.function.BiFunction<String, ScanParams, ScanResult<String>> scan, ScanParams params,
                                boolean publish) {
        String cursor = ScanParams.SCAN_POINTER_START;
        long values = 0;
        do {
            ScanResult<String> page = scan.apply(cursor, params);
            List<String> keys = page.getResult();
            if (!keys.isEmpty()) {
                List<String> valueKeys = keys.stream().filter(k -> !k.endsWith(LeasedCache.LEASE_SUFFIX)).toList();
                try (AbstractPipeline pipeline = redis.pipelined()) {
                    keys.forEach(pipeline::del);
                    if (publish) {
                        channel.ifPresent(c -> valueKeys.forEach(key -> pipeline.publish(c, key)));
                    }
                    pipeline.sync();
                }
                values += valueKeys.size();
            }
            cursor = page.getCursor();
        } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
        return values;
    }
}
