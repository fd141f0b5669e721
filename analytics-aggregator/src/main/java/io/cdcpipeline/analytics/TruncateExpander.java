package io.cdcpipeline.analytics;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Turns a TRUNCATE of a counted table into a delete (tombstone) of each row it removed, so the
 * counts drop through the same table, grouping and count as for single deletes.
 *
 * <p>A truncate names no rows and has no key. Capture sends a copy of it to every partition of the
 * table's topic, in order with that partition's row changes, and this processor runs once per
 * partition (a task): it keeps the keys of the rows its partition holds now in a store of its own
 * (logged, so restored with the task), and on a truncate forwards a tombstone for each of them and
 * forgets them. Every other record passes through unchanged once its key is recorded (a row) or
 * removed (a delete). A record with a null key that is not a truncate passes through too: the
 * table after this step drops it, as it always did.
 *
 * <p>Rows counted before this store existed (an aggregator upgraded in place) are unknown to it: a
 * truncate leaves them counted until the application is reset and reads its topics again.
 *
 * <p>One instance per task, called on its stream thread only.
 */
final class TruncateExpander implements Processor<String, RowChange, String, RowChange> {

    /** Keys deleted per pass over the store: bounds the memory a truncate of a large table needs. */
    private static final int KEYS_PER_PASS = 10_000;

    private final String storeName;
    private ProcessorContext<String, RowChange> context;
    private KeyValueStore<String, Boolean> rowKeys;

    private TruncateExpander(String storeName) {
        this.storeName = storeName;
    }

    /** The processor with its key store {@code storeName}. */
    static ProcessorSupplier<String, RowChange, String, RowChange> supplier(String storeName) {
        StoreBuilder<KeyValueStore<String, Boolean>> store = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(storeName), Serdes.String(), Serdes.Boolean());
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, RowChange, String, RowChange> get() {
                return new TruncateExpander(storeName);
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
        this.rowKeys = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, RowChange> record) {
        if (record.value() != null && record.value().isTruncate()) {
            deleteEveryRow(record);
            return;
        }
        if (record.key() != null) {
            if (record.value() == null) {
                rowKeys.delete(record.key());
            } else {
                rowKeys.put(record.key(), Boolean.TRUE);
            }
        }
        context.forward(record);
    }

    /**
     * A tombstone per held key, with the truncate's timestamp. Keys are collected a pass at a time
     * and deleted after the iterator is closed: a store's iterator need not see writes made while
     * it is open.
     */
    private void deleteEveryRow(Record<String, RowChange> truncate) {
        List<String> pass;
        do {
            pass = new ArrayList<>();
            try (KeyValueIterator<String, Boolean> all = rowKeys.all()) {
                while (all.hasNext() && pass.size() < KEYS_PER_PASS) {
                    pass.add(all.next().key);
                }
            }
            for (String key : pass) {
                rowKeys.delete(key);
                context.forward(truncate.withKey(key).withValue((RowChange) null));
            }
        } while (pass.size() == KEYS_PER_PASS);
    }
}
