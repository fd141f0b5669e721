package io.cdcpipeline.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.config.Settings;

class GroupMembershipTest {

    private static GroupMembership read(Map<String, String> env) {
        Settings settings = new Settings(env);
        GroupMembership membership = GroupMembership.read(settings);
        settings.validate("test");
        return membership;
    }

    @Test
    void shouldBeDynamicWithATenSecondSessionByDefault() {
        Map<String, Object> props = read(Map.of()).consumerProperties();
        assertThat(props).doesNotContainKey("group.instance.id").containsEntry("session.timeout.ms", 10_000)
                .containsEntry("heartbeat.interval.ms", 3_333);
    }

    @Test
    void shouldGiveTheInstanceIdAndSessionToGroupConsumersOnly() {
        KafkaSettings kafka = KafkaSettings.read(new Settings(Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092",
                "KAFKA_GROUP_INSTANCE_ID", "audit-sink-0", "KAFKA_SESSION_TIMEOUT", "6000")));
        assertThat(kafka.groupConsumerProperties("c")).containsEntry("group.instance.id", "audit-sink-0")
                .containsEntry("session.timeout.ms", 6000).containsEntry("heartbeat.interval.ms", 2000);
        assertThat(kafka.clientProperties("p")).as("producers and admin clients have no group").doesNotContainKeys(
                "group.instance.id", "session.timeout.ms");
    }

    @Test
    void shouldRefuseANameKafkaWouldNotTakeNamingTheVariable() {
        assertThatThrownBy(() -> read(Map.of("KAFKA_GROUP_INSTANCE_ID", "two words")))
                .hasMessageContaining("KAFKA_GROUP_INSTANCE_ID");
    }
}
