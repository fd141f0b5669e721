package io.cdcpipeline.analytics;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import io.micrometer.core.instrument.Counter;

/**
 * The version of each row a partition holds, by which changes become the rows the table step
 * keeps: a TRUNCATE becomes a delete (tombstone) of each row it removed, and a change older than
 * what the partition already applied to its row is left out.
 *
 * <p><b>Truncates.</b> A truncate names no rows and has no key. Capture sends a copy of it to every
 * partition of the table's topic, in order with that partition's row changes, and this processor
 * runs once per partition (a task): on a truncate it forwards a tombstone for each row its store
 * holds as present, so the counts drop through the same table, grouping and count as for single
 * deletes.
 *
 * <p><b>Versions.</b> Each change carries its {@code source.lsn}; later changes of a row have
 * higher ones. The store keeps, per key, the LSN of the last change applied (negated once the row
 * is deleted), and under {@link #TRUNCATED} the LSN of the partition's last truncate. A change
 * whose LSN is below both is stale: in order on its partition that cannot happen, but a dead letter
 * replayed after its row changed again (or was deleted, or truncated) is exactly that, and
 * applying it would bring an old row back. Equal LSNs apply (a republished copy is the same row).
 *
 * <p>Rows stored before versions existed (the store held {@code true}) read as present at version
 * 0: a later change always applies. Deleted rows keep their marker, one entry per deleted key.
 *
 * <p>One instance per task, called on its stream thread only.
 */
final class RowVersions implements Processor<String, SourceChange, String, RowChange> {

    /** The key of the partition's last truncate: no change key is empty (keys are JSON objects). */
    static final String TRUNCATED = "";
    /** Keys deleted per pass over the store: bounds the memory a truncate of a large table needs. */
    private static final int KEYS_PER_PASS = 10_000;

    private final String storeName;
    private final Counter stale;
    private ProcessorContext<String, RowChange> context;
    private KeyValueStore<String, Long> versions;

    private RowVersions(String storeName, Counter stale) {
        this.storeName = storeName;
        this.stale = stale;
    }

    /** The processor with its store {@code storeName}; {@code stale} counts the changes left out. */
    static ProcessorSupplier<String, SourceChange, String, RowChange> supplier(String storeName, Counter stale) {
        StoreBuilder<KeyValueStore<String, Long>> store = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(storeName), Serdes.String(), versionSerde());
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, SourceChange, String, RowChange> get() {
                return new RowVersions(storeName, stale);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(store);
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, RowChange> context) {
        this.context = context;
        this.versions = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, SourceChange> record) {
        SourceChange change = record.value();
        if (change == null) {
            // A tombstone: the delete before it removed the row already; the table drops the key again.
            if (record.key() != null) {
                context.forward(record.withValue((RowChange) null));
            }
            return;
        }
        long truncatedAt = orZero(versions.get(TRUNCATED));
        if (change.truncate()) {
            if (change.lsn() < truncatedAt) {
                stale.increment();
                return;
            }
            versions.put(TRUNCATED, change.lsn());
            deleteEveryRow(record, change.lsn());
            return;
        }
        if (record.key() == null) {
            // Not a truncate and no key: the table would drop it, as it always did.
            context.forward(record.withValue(change.row()));
            return;
        }
        long applied = Math.abs(orZero(versions.get(record.key())));
        if (change.lsn() < Math.max(applied, truncatedAt)) {
            stale.increment();
            return;
        }
        versions.put(record.key(), change.isDelete() ? -change.lsn() : change.lsn());
        context.forward(record.withValue(change.row()));
    }

    /**
     * A tombstone per present key, with the truncate's timestamp; each key keeps the truncate's LSN
     * as its deletion. Keys are collected a pass at a time and written after the iterator is closed:
     * a store's iterator need not see writes made while it is open.
     */
    private void deleteEveryRow(Record<String, SourceChange> truncate, long lsn) {
        String from = null;
        List<String> pass;
        do {
            pass = new ArrayList<>();
            try (KeyValueIterator<String, Long> all = from == null ? versions.all() : versions.range(from, null)) {
                while (all.hasNext() && pass.size() < KEYS_PER_PASS) {
                    var entry = all.next();
                    if (!entry.key.equals(TRUNCATED) && !entry.key.equals(from) && entry.value >= 0) {
                        pass.add(entry.key);
                    }
                    from = entry.key;
                }
                if (!all.hasNext()) {
                    from = null;
                }
            }
            for (String key : pass) {
                versions.put(key, -lsn);
                context.forward(truncate.withKey(key).withValue((RowChange) null));
            }
        } while (from != null);
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    /**
     * Eight bytes of the version; the one byte of the boolean stored before versions existed reads
     * as version 0 (present), so the store's changelog restores across the upgrade.
     */
    static Serde<Long> versionSerde() {
        return Serdes.serdeFrom((topic, value) -> value == null ? null : ByteBuffer.allocate(Long.BYTES).putLong(value).array(),
                (topic, bytes) -> {
                    if (bytes == null) {
                        return null;
                    }
                    if (bytes.length == 1) {
                        return 0L;
                    }
                    if (bytes.length != Long.BYTES) {
                        throw new SerializationException("a row version has 8 bytes, not " + bytes.length);
                    }
                    return ByteBuffer.wrap(bytes).getLong();
                });
    }
}
