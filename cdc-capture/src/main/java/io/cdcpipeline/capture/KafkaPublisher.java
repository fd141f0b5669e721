package io.cdcpipeline.capture;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.Header;
import io.debezium.engine.DebeziumEngine;

/**
 * Hands each batch of change events to Kafka and acknowledges them to Debezium only after Kafka
 * acknowledged them ({@code acks=all}, idempotent producer): only then can the position — and the
 * replication slot — move past them. A failed send fails the engine (never Kafka Connect's
 * RetriableException, which would skip the batch); the supervisor restarts it from the last
 * committed position, so nothing is lost.
 *
 * <p>A TRUNCATE event has no key (it changes a whole table), so Kafka would put it on one
 * partition chosen at random, unordered with the row changes on the others. It is sent to every
 * partition of its table's topic instead: each consumer of a partition sees the truncate after
 * every earlier change of its rows and before every later one (analytics clears the rows it holds
 * for that partition; the audit log keeps one row, the copies sharing one source key).
 *
 * <p>The position moves only to transaction boundaries ({@link TransactionBoundaries}): a crash
 * republishes the transaction in progress from its start, never loses the rest of a group of
 * changes that share one LSN. It is committed at once after snapshot reads and at the first
 * boundary of an engine run ({@link PositionCommitPolicy}), otherwise every flush interval.
 *
 * <p>Called by Debezium on one thread, in order.
 */
final class KafkaPublisher implements DebeziumEngine.ChangeConsumer<ChangeEvent<String, String>> {

    private final Producer<String, String> producer;
    private final TopicCreator topics;
    private final CaptureMetrics metrics;
    private final TransactionBoundaries boundaries;
    private final PositionCommitPolicy commits;
    /** Commit at the next boundary: set at the start of an engine run and by snapshot reads. */
    private boolean commitSoon = true;

    KafkaPublisher(Producer<String, String> producer, TopicCreator topics, CaptureMetrics metrics, String transactionTopic,
                   PositionCommitPolicy commits) {
        this.producer = producer;
        this.topics = topics;
        this.metrics = metrics;
        this.boundaries = new TransactionBoundaries(transactionTopic);
        this.commits = commits;
    }

    @Override
    public void handleBatch(List<ChangeEvent<String, String>> records,
                            DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer) throws InterruptedException {
        List<List<Future<RecordMetadata>>> acks = new ArrayList<>(records.size());
        for (ChangeEvent<String, String> record : records) {
            topics.ensure(record.destination());
            acks.add(send(record));
        }
        // The batch is waited for anyway: send what lingers now instead of after linger.ms (the
        // records sent above still share request batches; this only cuts the wait of the last ones).
        producer.flush();
        for (int i = 0; i < records.size(); i++) {
            ChangeEvent<String, String> record = records.get(i);
            for (Future<RecordMetadata> ack : acks.get(i)) {
                try {
                    ack.get();
                } catch (ExecutionException e) {
                    metrics.sendFailed(record.destination());
                    throw new IllegalStateException("Kafka did not acknowledge a record for " + record.destination()
                            + ": " + e.getCause().getMessage(), e.getCause());
                }
            }
            if (record.value() != null && EnvelopeScanner.op(record.value()).equals("r")) {
                commitSoon = true;
            }
            if (boundaries.committableAfter(record.destination(), record.value())) {
                committer.markProcessed(record);
                if (commitSoon) {
                    commits.requestCommit();
                    commitSoon = false;
                }
            }
            metrics.published(record.destination(), record.value());
        }
        committer.markBatchFinished();
    }

    private List<Future<RecordMetadata>> send(ChangeEvent<String, String> record) {
        Headers headers = headers(record);
        if (record.key() != null || record.value() == null || !EnvelopeScanner.op(record.value()).equals("t")) {
            return List.of(producer.send(new ProducerRecord<String, String>(record.destination(), null, record.key(), record.value(),
                    headers)));
        }
        List<Future<RecordMetadata>> copies = new ArrayList<>();
        for (PartitionInfo partition : producer.partitionsFor(record.destination())) {
            copies.add(producer.send(new ProducerRecord<String, String>(record.destination(), partition.partition(), (String) null,
                    record.value(), headers)));
        }
        return copies;
    }

    /** The headers Debezium (or a transformation) set on the record, kept on the topic: values as UTF-8 text. */
    static Headers headers(ChangeEvent<String, String> record) {
        RecordHeaders headers = new RecordHeaders();
        List<Header<Object>> from = record.headers();
        if (from != null) {
            for (Header<Object> header : from) {
                Object value = header.getValue();
                headers.add(header.getKey(), value == null ? null : value.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return headers;
    }
}
