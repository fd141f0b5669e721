package io.cdcpipeline.cache;

import java.time.Duration;
import java.util.Map;

import io.cdcpipeline.common.kafka.ConsumerLoop;
import io.cdcpipeline.common.kafka.DeadLetterQueue;
import io.cdcpipeline.common.kafka.DeadLetterReplay;
import io.cdcpipeline.common.metrics.MetricsServer;
import io.cdcpipeline.common.service.Service;
import redis.clients.jedis.UnifiedJedis;

/** {@code cache-invalidator}: change topics → Redis invalidations. */
public final class CacheInvalidatorService {

    private CacheInvalidatorService() {
    }

    public static void main(String[] args) {
        System.exit(command(System.getenv(), new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true))
                .execute(args));
    }

    /** {@code cache [replay-dead-letters]}: the command tree of this service, reading {@code env}. */
    public static picocli.CommandLine command(Map<String, String> env, java.io.PrintWriter out, java.io.PrintWriter err) {
        return io.cdcpipeline.common.cli.ServiceCommand.of("cache", "cache-invalidator", "Change topics to Redis: deletes the keys each change makes stale (key rules), then commits.", CacheConfig.settings(), CacheInvalidatorService::create,
                env, out, err, DeadLetterReplay.subcommand("cache-invalidator", CacheConfig::replayTarget, env, out));
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
        metrics.addReadinessCheck("group", loop::joined);
        return Service.of(loop::run, loop::stop, metrics, redis, dlq);
    }
}
