package io.cdcpipeline.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;

/** One topic prefix and one replication factor for every service; the former per-service names still work. */
class KafkaSettingsTest {

    private static final Setting<String> FORMER_PREFIX = Setting.string("AUDIT_TOPIC_PREFIX", "deprecated");
    private static final Setting<Integer> FORMER_FACTOR = Setting.integer("AUDIT_TOPIC_REPLICATION_FACTOR", "deprecated").between(1, 10);

    @Test
    void shouldPreferTheSharedSettingsAndFallBackToTheFormerNames() {
        Settings shared = new Settings(Map.of("KAFKA_TOPIC_PREFIX", "shop", "AUDIT_TOPIC_PREFIX", "old",
                "KAFKA_REPLICATION_FACTOR", "2", "AUDIT_TOPIC_REPLICATION_FACTOR", "1"));
        assertThat(KafkaSettings.topicPrefix(shared, FORMER_PREFIX)).isEqualTo("shop");
        assertThat(KafkaSettings.replicationFactor(shared, FORMER_FACTOR)).contains((short) 2);

        Settings former = new Settings(Map.of("AUDIT_TOPIC_PREFIX", "old", "AUDIT_TOPIC_REPLICATION_FACTOR", "1"));
        assertThat(KafkaSettings.topicPrefix(former, FORMER_PREFIX)).isEqualTo("old");
        assertThat(KafkaSettings.replicationFactor(former, FORMER_FACTOR)).contains((short) 1);
    }

    @Test
    void shouldDefaultToBlogAndToTheBrokersReplicationFactor() {
        Settings none = new Settings(Map.of());
        assertThat(KafkaSettings.topicPrefix(none, FORMER_PREFIX)).isEqualTo("blog");
        assertThat(KafkaSettings.replicationFactor(none, FORMER_FACTOR)).isEqualTo(Optional.empty());
        assertThat(none.hasProblems()).isFalse();
    }

    @Test
    void shouldRefuseAPrefixThatIsNotATopicNamePart() {
        Settings bad = new Settings(Map.of("KAFKA_TOPIC_PREFIX", "a b"));
        KafkaSettings.topicPrefix(bad, FORMER_PREFIX);
        assertThat(bad.hasProblems()).isTrue();
    }
}
