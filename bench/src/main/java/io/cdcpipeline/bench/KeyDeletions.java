package io.cdcpipeline.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisClient;

/**
 * The deletions of Redis keys of the form {@code <prefix><digits...>}, each stamped when Redis
 * publishes it (keyspace notifications on {@code __keyevent@0__:del}), the first deletion of a key
 * only: how a benchmark sees cache-invalidator's work without asking cache-invalidator.
 */
final class KeyDeletions implements AutoCloseable {

    /** When a key's deletion was published: {@link System#nanoTime()} and wall-clock milliseconds. */
    record Stamp(long nanos, long millis) {
    }

    private final Map<String, Stamp> stamps = new ConcurrentHashMap<>();
    private final RedisClient subscriber;
    private final JedisPubSub listener;

    private KeyDeletions(RedisClient subscriber, String prefix) {
        this.subscriber = subscriber;
        CountDownLatch subscribed = new CountDownLatch(1);
        this.listener = new JedisPubSub() {
            @Override
            public void onSubscribe(String channel, int count) {
                subscribed.countDown();
            }

            @Override
            public void onMessage(String channel, String key) {
                if (key.length() > prefix.length() && key.startsWith(prefix) && Character.isDigit(key.charAt(prefix.length()))) {
                    stamps.putIfAbsent(key, new Stamp(System.nanoTime(), System.currentTimeMillis()));
                }
            }
        };
        Thread listening = new Thread(() -> subscriber.subscribe(listener, "__keyevent@0__:del"), "key-deletions");
        listening.setDaemon(true);
        listening.start();
        try {
            if (!subscribed.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no subscription to Redis' key deletions within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while subscribing to Redis' key deletions", e);
        }
    }

    /** Turns on Redis' generic keyevent notifications and listens for deletions of keys under {@code prefix}. */
    static KeyDeletions listen(String host, int port, String prefix) {
        try (RedisClient admin = RedisClient.create(host, port)) {
            admin.configSet("notify-keyspace-events", "Eg");
        }
        return new KeyDeletions(RedisClient.create(host, port), prefix);
    }

    /** When {@code key} was first deleted, or null if it was not (yet). */
    Stamp of(String key) {
        return stamps.get(key);
    }

    @Override
    public void close() {
        if (listener.isSubscribed()) {
            listener.unsubscribe();
        }
        subscriber.close();
    }
}
