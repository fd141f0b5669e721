package io.cdcpipeline.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import io.cdcpipeline.common.change.ChangeEvent;
import io.cdcpipeline.common.change.ChangeEventParser;
import io.cdcpipeline.common.kafka.BatchHandler;
import io.cdcpipeline.common.kafka.DeadLetterQueue;
import io.cdcpipeline.common.metrics.LatencyHistogram;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * For each batch of changes: the keys the rules derive from every before and after image, deleted
 * together with their leases in one pipeline; then (the consumer loop) the offsets are committed.
 * A TRUNCATE has no row to derive keys from: every key its table's rules could produce is deleted
 * instead ({@link TruncateInvalidation}). Redis unreachable → the batch is retried with backoff and
 * nothing is committed, so no invalidation is lost. A record that is not a change envelope goes to
 * the dead-letter topic.
 */
final class CacheInvalidator implements BatchHandler.OneStep {

    private static final List<String> TRANSIENT_REPLIES = List.of("LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY",
            "CLUSTERDOWN");

    private final UnifiedJedis redis;
    private final KeyRules rules;
    private final String keyPrefix;
    private final Optional<String> channel;
    private final DeadLetterQueue deadLetters;
    private final Counter keysInvalidated;
    private final Counter redisErrors;
    private final Timer lag;
    private final Set<String> deadLettered = new HashSet<>();
    private final TruncateInvalidation truncates;

    CacheInvalidator(UnifiedJedis redis, KeyRules rules, String keyPrefix, Optional<String> channel, DeadLetterQueue deadLetters,
                     MeterRegistry registry) {
        this.redis = redis;
        this.rules = rules;
        this.keyPrefix = keyPrefix;
        this.channel = channel;
        this.deadLetters = deadLetters;
        this.truncates = new TruncateInvalidation(redis, keyPrefix, channel);
        this.keysInvalidated = Counter.builder("cache.keys.invalidated").description("cache keys deleted (with their leases)")
                .register(registry);
        this.redisErrors = Counter.builder("cache.redis.errors").description("batches Redis could not take").register(registry);
        this.lag = LatencyHistogram.timer("cache.invalidation.lag", "source commit to keys deleted").register(registry);
    }

    @Override
    public void handle(List<ConsumerRecord<String, String>> batch) throws Exception {
        Set<String> keys = new LinkedHashSet<>();
        Set<String> truncatedTables = new LinkedHashSet<>();
        List<Long> commitTimes = new ArrayList<>();
        for (ConsumerRecord<String, String> record : batch) {
            if (record.value() == null) {
                continue;
            }
            try {
                ChangeEvent change = ChangeEventParser.parse(record.topic(), record.partition(), record.offset(), record.key(),
                        record.value());
                if (change.isTruncate()) {
                    // Sent to every partition of the topic: in one batch, the table is scanned once.
                    truncatedTables.add(change.qualifiedTable());
                } else {
                    keys.addAll(rules.keysFor(change.qualifiedTable(), change.before(), change.after()));
                }
                commitTimes.add(change.committedAtMs());
            } catch (Exception e) {
                String id = record.topic() + "-" + record.partition() + "@" + record.offset();
                if (deadLettered.add(id)) {
                    deadLetters.send(record, new IllegalArgumentException("not a change envelope: " + e.getMessage(), e));
                }
            }
        }
        long truncatedKeys = 0;
        try {
            if (!keys.isEmpty()) {
                delete(keys);
            }
            if (!truncatedTables.isEmpty()) {
                Set<String> globs = new LinkedHashSet<>();
                truncatedTables.forEach(table -> globs.addAll(rules.globsFor(table)));
                truncatedKeys = truncates.invalidate(globs);
            }
        } catch (RuntimeException e) {
            redisErrors.increment();
            throw e;
        }
        deadLettered.clear();
        keysInvalidated.increment(keys.size() + truncatedKeys);
        long now = System.currentTimeMillis();
        commitTimes.forEach(t -> lag.record(Duration.ofMillis(Math.max(0, now - t))));
    }

    private void delete(Set<String> keys) {
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (String key : keys) {
                pipeline.del(keyPrefix + key, LeasedCache.leaseKey(keyPrefix + key));
            }
            channel.ifPresent(c -> keys.forEach(key -> pipeline.publish(c, keyPrefix + key)));
            pipeline.sync();
        }
    }

    /**
     * Redis unreachable, or reachable but not serving yet: still loading its data after a restart,
     * busy with a script, or a replica during a failover. All of them pass; retry the batch.
     */
    @Override
    public boolean isTransient(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof JedisConnectionException) {
                return true;
            }
            if (t instanceof JedisDataException && t.getMessage() != null
                    && TRANSIENT_REPLIES.stream().anyMatch(t.getMessage()::startsWith)) {
                return true;
            }
        }
        return false;
    }
}
