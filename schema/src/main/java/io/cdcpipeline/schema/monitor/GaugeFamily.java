package io.cdcpipeline.schema.monitor;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * One metric family whose series come and go with what PostgreSQL reports (a table, a slot, a
 * query id): each {@link #publish()} makes the exported set exactly the series added since the
 * last one, so a dropped table's series disappears. A series that stays keeps its gauge and only
 * changes value (removing and re-adding it would let a concurrent scrape see it twice). The name is
 * exported as given, dots becoming underscores ({@code pg.wal.size.bytes} → {@code pg_wal_size_bytes}).
 */
final class GaugeFamily {

    private final MeterRegistry registry;
    private final String name;
    private final String description;
    private final Map<Tags, Series> exported = new HashMap<>();
    private final Map<Tags, Double> pending = new LinkedHashMap<>();

    /** The gauge of one series and the value it reads. */
    private static final class Series {
        private Gauge gauge;
        private volatile double value;
    }

    GaugeFamily(MeterRegistry registry, String name, String description) {
        this.registry = registry;
        this.name = name;
        this.description = description;
    }

    /** Adds a series to the next {@link #publish()}; {@code labels} are name/value pairs (the last value for a set wins). */
    GaugeFamily add(double value, String... labels) {
        pending.put(Tags.of(labels), value);
        return this;
    }

    /** Replaces the exported series by those added since the last publish. */
    void publish() {
        for (Iterator<Map.Entry<Tags, Series>> it = exported.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Tags, Series> e = it.next();
            if (!pending.containsKey(e.getKey())) {
                registry.remove(e.getValue().gauge);
                it.remove();
            }
        }
        pending.forEach((tags, value) -> exported.computeIfAbsent(tags, t -> {
            Series series = new Series();
            series.gauge = Gauge.builder(name, series, s -> s.value).description(description).tags(t).strongReference(true)
                    .register(registry);
            return series;
        }).value = value);
        pending.clear();
    }

    /** A family of one series without labels. */
    void set(double value) {
        add(value);
        publish();
    }
}
