package io.cdcpipeline.common.kafka;

import java.util.HashMap;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates topics our services own and waits until every partition has a leader. Producing into a
 * partition whose leadership is still being settled fails with NOT_LEADER_OR_FOLLOWER, which an
 * idempotent producer can turn into OUT_OF_ORDER_SEQUENCE_NUMBER retries that never end.
 */
public final class TopicAdmin {

    private static final long LEADER_WAIT_MILLIS = 30_000;

    private TopicAdmin() {
    }

    /**
     * Waits until every topic exists: topics another service owns (the change topics are
     * cdc-capture's), which a consumer never creates with its own configuration. Says what it waits
     * for at once and every 30 s.
     */
    public static void awaitExisting(Admin admin, Collection<String> topics, String owner, Logger log) throws InterruptedException {
        long nextLog = 0;
        while (true) {
            Set<String> missing = new TreeSet<>(topics);
            try {
                missing.removeAll(admin.listTopics().names().get(30, TimeUnit.SECONDS));
            } catch (ExecutionException | TimeoutException e) {
                log.warn("cannot list topics, retrying: {}", e.getMessage());
            }
            if (missing.isEmpty()) {
                return;
            }
            if (System.currentTimeMillis() >= nextLog) {
                log.info("waiting for topics {}: {} creates them when it starts", missing, owner);
                nextLog = System.currentTimeMillis() + 30_000;
            }
            Thread.sleep(500);
        }
    }

    /** Creates {@code topic} unless it exists, then waits for its partition leaders. */
    public static void ensure(Admin admin, NewTopic topic) throws InterruptedException {
        try {
            admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer while creating topic " + topic.name(), e);
        }
        long deadline = System.currentTimeMillis() + LEADER_WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            try {
                TopicDescription description = admin.describeTopics(List.of(topic.name())).allTopicNames()
                        .get(10, TimeUnit.SECONDS).get(topic.name());
                if (description != null && description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())
                        && leadersServe(admin, topic.name(), description.partitions().size())) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                // Not visible yet: ask again.
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("topic " + topic.name() + " has partitions without a leader after " + LEADER_WAIT_MILLIS + " ms");
    }

    /**
     * True once every partition's leader answers for it (a ListOffsets request goes to the leader).
     * The controller names a leader before that broker has applied the new partition; an idempotent
     * producer whose first batch meets that gap gets NOT_LEADER_OR_FOLLOWER, its second batch is
     * appended, and the first then fails with OUT_OF_ORDER_SEQUENCE_NUMBER until it expires
     * (KAFKA-15591, fixed after Kafka 4.3). Producing only to partitions that serve avoids it.
     */
    private static boolean leadersServe(Admin admin, String topic, int partitions) throws InterruptedException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        try {
            admin.listOffsets(request).all().get(10, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }
}
