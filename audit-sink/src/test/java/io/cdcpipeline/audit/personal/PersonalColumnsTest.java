package io.cdcpipeline.audit.personal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.common.config.ConfigurationException;
import io.cdcpipeline.common.config.Settings;

class PersonalColumnsTest {

    private static PersonalColumns read(Map<String, String> env) {
        Settings s = new Settings(env);
        PersonalColumns personal = PersonalColumns.read(s);
        s.validate("audit-sink");
        return personal;
    }

    @Test
    void shouldNameEachRowsSubjectByItsTablesRule() {
        PersonalColumns p = read(Map.of("AUDIT_PERSONAL_COLUMNS", "app.users.email, app.users.display_name,app.comments.body",
                "AUDIT_DATA_SUBJECTS", "app.users.id=users,app.comments.author_id=users"));

        assertThat(p.columns()).containsEntry("app.users", Set.of("email", "display_name")).containsEntry("app.comments", Set.of("body"));
        assertThat(p.subjectOf("app.comments", new TreeMap<>(Map.of("author_id", "42", "body", "\"hi\"")))).contains("users:42");
        assertThat(p.subjectOf("app.users", new TreeMap<>(Map.of("id", "\"a-b\"")))).as("a text key, unquoted").contains("users:a-b");
        assertThat(p.subjectOf("app.users", new TreeMap<>(Map.of("id", "null")))).isEmpty();
        assertThat(p.subjectOf("app.users", new TreeMap<>(Map.of("email", "\"x\"")))).isEmpty();
        assertThat(p.covers("app.tags")).isFalse();
    }

    @Test
    void shouldRefuseAPersonalTableWithoutASubjectRuleNamingTheVariable() {
        assertThatThrownBy(() -> read(Map.of("AUDIT_PERSONAL_COLUMNS", "app.users.email")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("AUDIT_PERSONAL_COLUMNS names columns of app.users but AUDIT_DATA_SUBJECTS has no rule");
        assertThatThrownBy(() -> read(Map.of("AUDIT_PERSONAL_COLUMNS", "app.users")))
                .hasMessageContaining("AUDIT_PERSONAL_COLUMNS entry 'app.users' is invalid");
        assertThatThrownBy(() -> read(Map.of("AUDIT_PERSONAL_COLUMNS", "app.users.email", "AUDIT_DATA_SUBJECTS", "app.users.id")))
                .hasMessageContaining("AUDIT_DATA_SUBJECTS entry 'app.users.id' is invalid");
        assertThatThrownBy(() -> read(Map.of("AUDIT_PERSONAL_COLUMNS", "app.users.id", "AUDIT_DATA_SUBJECTS", "app.users.id=users")))
                .hasMessageContaining("a subject's name stays readable");
    }
}
