package io.cdcpipeline.cache;

import java.time.Duration;
import java.util.Map;

import io.cdcpipeline.common.kafka.ConsumerLoop;
import io.cdcpipeline.common.kafka.DeadLetterQueue;
import io.cdcpipeline.common.kafka.DeadLetterReplay;
import io.cdcpipeline.common.metrics.MetricsServer;
import io.cdcpipeline.common.service.Service;
import io.cdcpipeline.common.service.ServiceRunner;
import redis.clients.jedis.UnifiedJedis;

/** {@code cache-invalidator}: change topics → Redis invalidations. */
public final class CacheInvalidatorService {

    private CacheInvalidatorService() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("replay-dead-letters")) {
            System.exit(DeadLetterReplay.command("cache-invalidator", CacheConfig::replayTarget, System.getenv(),
                    new java.io.PrintWriter(System.out, true), java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        ServiceRunner.run("cache-invalidator", CacheInvalidatorService::create);
    }

    /** The running service, wired exactly as in production (the launcher and tests use this too). */
    public static Service create(Map<String, String> env) {
        CacheConfig config = CacheConfig.from(env);
        MetricsServer metrics = MetricsServer.start(config.metrics(), "cache-invalidator");
        UnifiedJedis redis = config.redis().client("cache-invalidator");
        DeadLetterQueue dlq = new DeadLetterQueue(config.kafka(), "cache-invalidator", config.deadLetterTopic(), config.replicationFactor(),
                metrics.registry());
        CacheInvalidator invalidator = new CacheInvalidator(redis, config.rules(), config.keyPrefix(), config.publishChannel(), dlq,
                metrics.registry());
        ConsumerLoop loop = new ConsumerLoop(new ConsumerLoop.Settings("cache-invalidator", config.kafka(), config.consumerGroup(),
                config.topics(), 2000, 8 * 1024 * 1024, Duration.ofMillis(200), Duration.ofSeconds(10)), invalidator, metrics.registry());
        metrics.addReadinessCheck("redis", () -> {
            try {
                return "PONG".equals(redis.ping());
            } catch (RuntimeException e) {
                return false;
            }
        });
        return Service.of(loop::run, loop::stop, metrics, redis, dlq);
    }
}
