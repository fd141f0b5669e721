package io.cdcpipeline.audit;

import io.cdcpipeline.common.change.CanonicalJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class EnvelopeParserTest {

    private final EnvelopeParser parser = new EnvelopeParser("blog.message", false, Map.of("app.users", Set.of("email")), false);

    private static ConsumerRecord<String, String> record(String topic, String key, String value) {
        return new ConsumerRecord<>(topic, 2, 41, key, value);
    }

    @Test
    void shouldTurnAnUpdateIntoAMaskedAuditRowWithItsSourcePosition() {
        String value = "{\"before\":{\"id\":7,\"email\":\"a@x.io\",\"name\":\"A\"},\"after\":{\"id\":7,\"email\":\"b@x.io\",\"name\":\"B\"},"
                + "\"source\":{\"schema\":\"app\",\"table\":\"users\",\"txId\":900,\"lsn\":5000,\"ts_ms\":1700000000000,"
                + "\"sequence\":\"[\\\"4000\\\",\\\"5000\\\"]\"},\"op\":\"u\",\"ts_ms\":1700000000100}";

        ParsedRecord.Change change = (ParsedRecord.Change) parser.parse(record("blog.app.users", "{\"id\":7}", value));

        AuditRow row = change.row();
        assertThat(row.sourceTable()).isEqualTo("app.users");
        assertThat(CanonicalJson.parse(row.after()).get("email").asText()).isEqualTo(EnvelopeParser.MASK);
        assertThat(CanonicalJson.parse(row.before()).get("email").asText()).isEqualTo(EnvelopeParser.MASK);
        assertThat(row.changedColumns()).containsExactly("name");
        assertThat(row.txId()).isEqualTo(900L);
        assertThat(row.chainOffset()).isEqualTo(41);
        assertThat(row.sourceLsn()).isEqualTo(5000);
    }

    @Test
    void shouldTurnAKeylessTruncateIntoARowOfTheWholeTable() {
        String value = "{\"before\":null,\"after\":null,\"source\":{\"schema\":\"app\",\"table\":\"tags\",\"txId\":901,"
                + "\"lsn\":6000,\"ts_ms\":1700000000000},\"op\":\"t\",\"ts_ms\":1700000000100}";

        AuditRow row = ((ParsedRecord.Change) parser.parse(record("blog.app.tags", null, value))).row();

        assertThat(row.op()).isEqualTo("t");
        assertThat(row.primaryKey()).isEqualTo(EnvelopeParser.TRUNCATE_KEY);
        assertThat(row.before()).isNull();
        assertThat(row.after()).isNull();
        assertThat(row.sourceLsn()).isEqualTo(6000);
        assertThatThrownBy(() -> parser.parse(record("blog.app.tags", null, value.replace("\"op\":\"t\"", "\"op\":\"c\""))))
                .hasMessageContaining("without a key");
    }

    @Test
    void shouldSkipTombstonesAndSnapshotReadsAndReadContexts() {
        assertThat(parser.parse(record("blog.app.users", "{\"id\":7}", null))).isInstanceOf(ParsedRecord.Skip.class);
        assertThat(parser.parse(record("blog.app.users", "{\"id\":7}", "{\"after\":{\"id\":7},\"source\":{\"schema\":\"app\","
                + "\"table\":\"users\",\"lsn\":1,\"ts_ms\":1},\"op\":\"r\",\"ts_ms\":1}"))).isInstanceOf(ParsedRecord.Skip.class);
        String content = Base64.getEncoder().encodeToString("{\"db_user\":\"app_user\",\"app_user\":\"42\",\"org\":\"7\"}"
                .getBytes(StandardCharsets.UTF_8));
        ParsedRecord parsed = parser.parse(record("blog.message", "{\"prefix\":\"audit.context\"}", "{\"op\":\"m\",\"source\":"
                + "{\"txId\":900,\"lsn\":4990,\"ts_ms\":1700000000000},\"message\":{\"prefix\":\"audit.context\",\"content\":\""
                + content + "\"}}"));
        assertThat(((ParsedRecord.Context) parsed).context().appUser()).isEqualTo("42");
    }

    @Test
    void shouldRejectWhatIsNotAnEnvelope() {
        assertThatThrownBy(() -> parser.parse(record("blog.app.users", "{\"id\":1}", "not json")))
                .isInstanceOf(EnvelopeParser.PoisonRecordException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> parser.parse(record("blog.app.users", "{\"id\":1}", "{\"op\":\"c\"}")))
                .isInstanceOf(EnvelopeParser.PoisonRecordException.class).hasMessageContaining("missing source");
        assertThatThrownBy(() -> parser.parse(record("blog.app.users", "{\"id\":1}", "{\"op\":\"x\"}")))
                .hasMessageContaining("unknown op");
    }
}
