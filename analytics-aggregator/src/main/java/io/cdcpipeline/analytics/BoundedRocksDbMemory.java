package io.cdcpipeline.analytics;

import java.util.Map;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * One memory budget for all of the topology's RocksDB stores, the recipe of Kafka Streams' memory
 * management guide. By default every store instance has its own 50 MB block cache and up to three
 * 16 MB memtables, off the heap: this topology has 11 stores on each of 3 partitions, so the
 * native memory grows with the state towards gigabytes, outside {@code -Xmx}. Here the
 * block cache, the index and filter blocks and the memtables of every store share one
 * {@value #TOTAL_BYTES}-byte cache, of which memtables take at most {@value #MEMTABLE_BYTES}.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {

    static final long TOTAL_BYTES = 64L * 1024 * 1024;
    static final long MEMTABLE_BYTES = 16L * 1024 * 1024;

    // Shared by every store of the process: the budget is the process's, not a store's.
    private static final Cache CACHE;
    private static final WriteBufferManager WRITE_BUFFERS;

    static {
        // Kafka Streams loads the native library when it opens a store; this class may be first.
        RocksDB.loadLibrary();
        CACHE = new LRUCache(TOTAL_BYTES, -1, false, 0.1);
        WRITE_BUFFERS = new WriteBufferManager(MEMTABLE_BYTES, CACHE);
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(CACHE);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(WRITE_BUFFERS);
        options.setMaxWriteBufferNumber(2);
        options.setWriteBufferSize(4L * 1024 * 1024);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the write buffer manager are the process's: closing one store must not close them.
    }
}
