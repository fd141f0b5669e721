package io.cdcpipeline.capture;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.kafka.TopicAdmin;

/**
 * Creates each topic the first time a record is sent to it, with the configured partitions and
 * replication factor (brokers should not auto-create topics with defaults). Thread-safe.
 */
final class TopicCreator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicCreator.class);

    private final Admin admin;
    private final int partitions;
    private final Optional<Short> replicationFactor;
    private final Map<String, String> topicConfig;
    private final Set<String> known = ConcurrentHashMap.newKeySet();

    TopicCreator(Map<String, Object> adminProperties, int partitions, Optional<Short> replicationFactor, int maxMessageBytes) {
        this.admin = Admin.create(adminProperties);
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
        // Wide rows with full before images exceed the broker's 1 MB default.
        this.topicConfig = Map.of("max.message.bytes", Integer.toString(maxMessageBytes));
    }

    void ensure(String topic) throws InterruptedException {
        if (known.contains(topic)) {
            return;
        }
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            known.addAll(existing);
            if (!known.contains(topic)) {
                TopicAdmin.ensure(admin, new NewTopic(topic, Optional.of(partitions), replicationFactor).configs(topicConfig));
                LOG.info("created topic {} ({} partitions, replication factor {})", topic, partitions,
                        replicationFactor.map(String::valueOf).orElse("of the broker"));
            }
            known.add(topic);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list topics: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer while creating topic " + topic, e);
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
