package io.cdcpipeline.common.db;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariConfigMXBean;
import com.zaxxer.hikari.HikariPoolMXBean;

import io.cdcpipeline.common.service.DaemonThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Moves each pool's maximum size within [max(min, 1), configured max] from measured demand,
 * through HikariCP's runtime MXBeans: it grows when callers have been waiting for a connection
 * for {@value #GROW_AFTER_TICKS} ticks in a row (by the number waiting), and shrinks by one when
 * fewer than half the allowed connections have been in use for {@value #SHRINK_AFTER_TICKS} ticks.
 * A small pool leaves connection slots to other services; a busy one gets them back in a second.
 */
final class AdaptivePoolSizer implements AutoCloseable {

    static final int GROW_AFTER_TICKS = 2;
    static final int SHRINK_AFTER_TICKS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(AdaptivePoolSizer.class);

    private final List<PriorityPool> pools;
    private final ScheduledExecutorService timer;
    private final Map<Priority, int[]> streaks = new ConcurrentHashMap<>();
    private final MeterRegistry registry;

    AdaptivePoolSizer(List<PriorityPool> pools, Duration interval, MeterRegistry registry) {
        this.pools = pools;
        this.registry = registry;
        this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("adaptive-pool-sizer"));
        timer.scheduleWithFixedDelay(this::tick, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void tick() {
        for (PriorityPool pool : pools) {
            try {
                adjust(pool);
            } catch (RuntimeException e) {
                LOG.warn("adaptive sizing of the {} pool failed", pool.priority().label(), e);
            }
        }
    }

    private void adjust(PriorityPool pool) {
        HikariPoolMXBean stats = pool.stats();
        HikariConfigMXBean config = pool.hikari().getHikariConfigMXBean();
        if (stats == null) {
            return;
        }
        int floor = Math.max(1, pool.settings().minConnections());
        int ceiling = pool.settings().maxConnections();
        int current = config.getMaximumPoolSize();
        int waiting = stats.getThreadsAwaitingConnection();
        int active = stats.getActiveConnections();
        // [0] = ticks with waiters in a row, [1] = ticks under half use in a row
        int[] streak = streaks.computeIfAbsent(pool.priority(), p -> new int[2]);
        streak[0] = waiting > 0 ? streak[0] + 1 : 0;
        streak[1] = waiting == 0 && active * 2 < current ? streak[1] + 1 : 0;

        int target = current;
        if (streak[0] >= GROW_AFTER_TICKS && current < ceiling) {
            target = Math.min(ceiling, current + Math.max(1, waiting));
            streak[0] = 0;
        } else if (streak[1] >= SHRINK_AFTER_TICKS && current > floor) {
            target = current - 1;
            streak[1] = 0;
        }
        if (target != current) {
            config.setMaximumPoolSize(target);
            if (config.getMinimumIdle() > target) {
                config.setMinimumIdle(target);
            }
            String direction = target > current ? "grow" : "shrink";
            Counter.builder("db.pool.resizes").tag("pool", pool.priority().label()).tag("direction", direction)
                    .description("adaptive pool size changes").register(registry).increment();
            // Routine, every few seconds on a quiet service: DEBUG; db.pool.resizes counts them for operators.
            LOG.debug("{} pool: maximum {} -> {} ({} waiting, {} active)", pool.priority().label(), current, target, waiting, active);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
