package io.cdcpipeline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.change.RowImage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class KeyRulesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final KeyRules defaults = KeyRules.load(Optional.empty());

    private static RowImage row(String json) {
        return RowImage.parse(json);
    }

    @Test
    void shouldInvalidateTheOldAndTheNewSlugWhenASlugChanges() throws Exception {
        RowImage before = row("{\"id\":5,\"slug\":\"old\",\"author_id\":2,\"org_id\":1}");
        RowImage after = row("{\"id\":5,\"slug\":\"new\",\"author_id\":3,\"org_id\":1}");

        assertThat(defaults.keysFor("app.articles", before, after)).containsExactlyInAnyOrder("article:5", "article:slug:old",
                "article:slug:new", "author:2:articles", "author:3:articles", "articles:org:1");
    }

    @Test
    void shouldUseWhicheverImageExistsForInsertsAndDeletes() throws Exception {
        assertThat(defaults.keysFor("app.tags", null, row("{\"id\":1,\"org_id\":4,\"slug\":\"s\"}")))
                .containsExactlyInAnyOrder("tag:1", "tag:slug:4:s", "tags:all:4");
        assertThat(defaults.keysFor("app.user_preferences", row("{\"user_id\":9}"), null)).containsExactly("user:9:preferences");
        assertThat(defaults.keysFor("app.comments", null, row("{\"id\":1}"))).as("no rule, no keys").isEmpty();
    }

    @Test
    void shouldSkipATemplateWhoseColumnIsNull() throws Exception {
        assertThat(defaults.keysFor("app.users", null, row("{\"id\":3,\"email\":null}"))).containsExactly("user:3");
    }

    @Test
    void shouldCoverEveryKeyOfATableWithGlobsForATruncate() {
        assertThat(defaults.globsFor("app.articles")).containsExactly("article:*", "article:slug:*", "author:*:articles",
                "articles:org:*");
        assertThat(defaults.globsFor("app.comments")).as("no rule, nothing to scan").isEmpty();

        String odd = "{\"app.tags\": [\"tag[{id}]?*\\\\{slug}\"]}";
        KeyRules rules = KeyRules.parse(new ByteArrayInputStream(odd.getBytes(StandardCharsets.UTF_8)), "rules.json");
        assertThat(rules.globsFor("app.tags")).as("literal glob characters are escaped, placeholders are not")
                .containsExactly("tag\\[*\\]\\?\\*\\\\*");
    }

    @Test
    void shouldScanLeasesAndValuesUnderTheEscapedKeyPrefix() {
        assertThat(TruncateInvalidation.valuePatterns("shop[1]:", List.of("article:*", "author:*:articles")))
                .containsExactly("shop\\[1\\]:article:*", "shop\\[1\\]:author:*:articles");
        assertThat(TruncateInvalidation.leasePatterns("p:", List.of("author:*:articles")))
                .containsExactly("{p:author:*:articles}#lease");
    }

    @Test
    void shouldNameEveryBadRule() {
        String bad = "{\"app.nope\": [\"x:{id}\"], \"app.articles\": [\"article:{id}\", \"article:{titel}\"]}";
        assertThatThrownBy(() -> KeyRules.parse(new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8)), "rules.json"))
                .isInstanceOf(KeyRules.InvalidRulesException.class)
                .hasMessageContaining("rules.json")
                .hasMessageContaining("unknown table 'app.nope'")
                .hasMessageContaining("rule 'article:{titel}' of app.articles uses unknown column 'titel'");
        assertThatThrownBy(() -> KeyRules.parse(new ByteArrayInputStream("[1".getBytes(StandardCharsets.UTF_8)), "rules.json"))
                .hasMessageContaining("not valid JSON");
    }
}
