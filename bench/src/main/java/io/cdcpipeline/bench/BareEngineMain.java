package io.cdcpipeline.bench;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import io.cdcpipeline.capture.CaptureConfig;
import io.cdcpipeline.capture.DebeziumProperties;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;

/**
 * The baseline: the same Debezium engine and connector settings as cdc-capture, with the least
 * code that still publishes to Kafka safely — send a batch, flush, mark it processed. No leader
 * election, topic creation, metrics or per-record acknowledgement checks.
 */
public final class BareEngineMain {

    private BareEngineMain() {
    }

    public static void main(String[] args) throws Exception {
        CaptureConfig config = CaptureConfig.from(System.getenv());
        KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers(),
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, config.maxMessageBytes(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
        CountDownLatch done = new CountDownLatch(1);
        DebeziumEngine<ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                .using(DebeziumProperties.from(config))
                .using((DebeziumEngine.CompletionCallback) (success, message, error) -> done.countDown())
                .notifying((records, committer) -> {
                    for (ChangeEvent<String, String> r : records) {
                        producer.send(new ProducerRecord<>(r.destination(), r.key(), r.value()));
                    }
                    producer.flush();
                    for (ChangeEvent<String, String> r : records) {
                        committer.markProcessed(r);
                    }
                    committer.markBatchFinished();
                })
                .build();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        thread.submit(engine);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                engine.close();
                done.await();
            } catch (Exception ignored) {
                // Exiting anyway.
            }
            producer.close();
        }));
        done.await();
        thread.shutdownNow();
        producer.close();
    }
}
