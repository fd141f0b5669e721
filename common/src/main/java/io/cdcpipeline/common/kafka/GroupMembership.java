package io.cdcpipeline.common.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;

/**
 * How a consumer service belongs to its consumer group, which decides how fast partitions come
 * back after a crash.
 *
 * <p>A member that dies without leaving (kill -9, a lost machine) keeps its partitions until the
 * group gives up on it: {@code session.timeout.ms}, 45 s by Kafka's default, during which nobody
 * consumes them. Two settings shorten that:
 * <ul>
 *   <li>{@code KAFKA_GROUP_INSTANCE_ID} (static membership): a restarted instance with the same
 *       name takes its partitions back as soon as it joins, without waiting for the old session
 *       or a rebalance of the others. Give each instance a stable, unique name: the pod or
 *       container name, or host and service under systemd.</li>
 *   <li>{@code KAFKA_SESSION_TIMEOUT} (10 s here): how long the group waits for a member that does
 *       not come back. Our consumers heartbeat from Kafka's own thread while a batch is written,
 *       so a short session does not cause rebalances under load.</li>
 * </ul>
 */
public record GroupMembership(Optional<String> instanceId, Duration sessionTimeout) {

    public static final Setting<String> KAFKA_GROUP_INSTANCE_ID = Setting.string("KAFKA_GROUP_INSTANCE_ID",
            "static group membership: a stable name unique to this instance of the service (the pod or container name;"
                    + " host and service under systemd); a restarted instance takes its partitions back at once instead of"
                    + " after KAFKA_SESSION_TIMEOUT. Unset: dynamic membership")
            .requiring(s -> s.matches("[A-Za-z0-9._@:-]{1,200}"), "letters, digits and . _ @ : -");
    public static final Setting<Duration> KAFKA_SESSION_TIMEOUT = Setting.millis("KAFKA_SESSION_TIMEOUT",
            "ms after which the consumer group gives the partitions of a silent member (crashed, not restarted) to the"
                    + " others; the brokers must allow it (group.min.session.timeout.ms, 6000 by default)").withDefault("10000");

    public static final List<Setting<?>> SETTINGS = List.of(KAFKA_GROUP_INSTANCE_ID, KAFKA_SESSION_TIMEOUT);

    /** Dynamic membership with the 10 s session: what a service gets with nothing set. */
    public static final GroupMembership DEFAULT = new GroupMembership(Optional.empty(), Duration.ofSeconds(10));

    public static GroupMembership read(Settings settings) {
        Duration session = settings.required(KAFKA_SESSION_TIMEOUT);
        return new GroupMembership(settings.optional(KAFKA_GROUP_INSTANCE_ID), session == null ? DEFAULT.sessionTimeout() : session);
    }

    /** The consumer properties: the instance id, the session and a heartbeat a third of it (Kafka's advice). */
    public Map<String, Object> consumerProperties() {
        Map<String, Object> props = new HashMap<>();
        instanceId.ifPresent(id -> props.put("group.instance.id", id));
        props.put("session.timeout.ms", (int) sessionTimeout.toMillis());
        props.put("heartbeat.interval.ms", (int) Math.max(500, sessionTimeout.toMillis() / 3));
        return props;
    }
}
