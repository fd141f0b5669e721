package io.cdcpipeline.audit;

import io.cdcpipeline.common.change.CanonicalJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.cdcpipeline.audit.personal.PersonalColumns;
import io.cdcpipeline.common.config.Settings;

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
    void shouldSealPersonalValuesOfEachImageUnderItsOwnSubjectAndCompareThemInClear() throws Exception {
        Settings settings = new Settings(Map.of("AUDIT_PERSONAL_COLUMNS", "app.comments.body,app.comments.email",
                "AUDIT_DATA_SUBJECTS", "app.comments.author_id=users"));
        EnvelopeParser personal = new EnvelopeParser("blog.message", false, Map.of("app.comments", Set.of("email")), false,
                PersonalColumns.read(settings));
        settings.validate("test");
        // The comment changes hands (author 7 to 8) and keeps its body; the masked column stays masked.
        String value = "{\"before\":{\"id\":1,\"author_id\":7,\"body\":\"secret\",\"email\":\"a@x.io\"},"
                + "\"after\":{\"id\":1,\"author_id\":8,\"body\":\"secret\",\"email\":\"b@x.io\"},"
                + "\"source\":{\"schema\":\"app\",\"table\":\"comments\",\"txId\":900,\"lsn\":5000,\"ts_ms\":1700000000000},"
                + "\"op\":\"u\",\"ts_ms\":1700000000100}";

        ParsedRecord.Change change = (ParsedRecord.Change) personal.parse(record("blog.app.comments", "{\"id\":1}", value));
        List<String> fields = new ArrayList<>();
        AuditRow sealed = change.sealed((subject, field, plain) -> {
            fields.add(subject + " " + field + " " + plain);
            return "\"sealed for " + subject + "\"";
        });

        assertThat(change.row().changedColumns()).as("in clear: the body did not change").containsExactly("author_id");
        assertThat(fields).containsExactlyInAnyOrder("users:7 app.comments.body \"secret\"", "users:8 app.comments.body \"secret\"");
        assertThat(CanonicalJson.parse(sealed.before()).get("body").asText()).isEqualTo("sealed for users:7");
        assertThat(CanonicalJson.parse(sealed.after()).get("body").asText()).isEqualTo("sealed for users:8");
        assertThat(CanonicalJson.parse(sealed.after()).get("email").asText()).isEqualTo(EnvelopeParser.MASK);

        // Without a subject (author_id null), a personal value could never be erased: it is masked instead.
        ParsedRecord.Change orphan = (ParsedRecord.Change) personal.parse(record("blog.app.comments", "{\"id\":1}",
                value.replace("\"author_id\":8", "\"author_id\":null")));
        AuditRow masked = orphan.sealed((subject, field, plain) -> "\"sealed\"");
        assertThat(CanonicalJson.parse(masked.after()).get("body").asText()).isEqualTo(EnvelopeParser.MASK);
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
