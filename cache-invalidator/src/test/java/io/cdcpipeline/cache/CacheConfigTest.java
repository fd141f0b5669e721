package io.cdcpipeline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cdcpipeline.common.config.ConfigurationException;

class CacheConfigTest {

    @TempDir
    Path dir;

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", "k1:9092");
        env.put("REDIS_URL", "rediss://app:s3cret@cache.internal:6380");
        return env;
    }

    @Test
    void shouldReadTheDefaults() {
        CacheConfig config = CacheConfig.from(env());

        assertThat(config.consumerGroup()).isEqualTo("cache-invalidator");
        assertThat(config.rules().tables()).contains("app.articles", "app.users", "app.user_sessions", "app.user_preferences",
                "app.categories", "app.tags");
        assertThat(config.topics().matcher("blog.app.articles").matches()).isTrue();
        assertThat(config.topics().matcher("blog.app.comments").matches()).as("no rule, not consumed").isFalse();
        assertThat(config.redis().tls()).isTrue();
        assertThat(config.redis().toString()).doesNotContain("s3cret");
        assertThat(config.publishChannel()).isEmpty();
    }

    @Test
    void shouldStopStartUpNamingTheBadRule() throws Exception {
        Path rules = dir.resolve("rules.json");
        Files.writeString(rules, "{\"app.articles\": [\"article:{id}\", \"article:{titel}\"], \"app.nope\": [\"n:{id}\"]}");
        Map<String, String> env = env();
        env.put("CACHE_RULES_FILE", rules.toString());

        assertThatThrownBy(() -> CacheConfig.from(env)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CACHE_RULES_FILE")
                .hasMessageContaining("rule 'article:{titel}' of app.articles uses unknown column 'titel'")
                .hasMessageContaining("unknown table 'app.nope'");
    }

    @Test
    void shouldNameEachBadVariableWithoutEchoingSecrets() {
        Map<String, String> env = env();
        env.put("REDIS_URL", "http://user:s3cret@cache:80");
        env.put("CACHE_RULES_FILE", dir.resolve("missing.json").toString());
        env.put("REDIS_TIMEOUT", "1");

        assertThatThrownBy(() -> CacheConfig.from(env)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("REDIS_URL")
                .hasMessageContaining("CACHE_RULES_FILE")
                .hasMessageContaining("REDIS_TIMEOUT")
                .hasMessageNotContaining("s3cret");
        Map<String, String> missing = env();
        missing.remove("REDIS_URL");
        assertThatThrownBy(() -> CacheConfig.from(missing)).hasMessageContaining("REDIS_URL");
    }

    @Test
    void shouldUseACustomRulesFile() throws Exception {
        Path rules = dir.resolve("rules.json");
        Files.writeString(rules, "{\"app.comments\": [\"comments:{article_id}\"]}");
        Map<String, String> env = env();
        env.put("CACHE_RULES_FILE", rules.toString());
        env.put("CACHE_PUBLISH_CHANNEL", "invalidations");

        CacheConfig config = CacheConfig.from(env);
        assertThat(config.rules().tables()).containsExactly("app.comments");
        assertThat(config.topics().matcher("blog.app.comments").matches()).isTrue();
        assertThat(config.publishChannel()).contains("invalidations");
    }
}
