package io.cdcpipeline.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** What capture publishes, checked against real PostgreSQL changes. One capture for the whole class. */
class ChangeEventsIT {

    private static CaptureFixture f;
    private static CaptureFixture.InProcess capture;

    @BeforeAll
    static void start() throws Exception {
        f = CaptureFixture.create("change-events");
        // Exists before capture first starts: arrives through the initial snapshot.
        f.sql("INSERT INTO app.organizations (id, name, slug) VALUES (100, 'Before', 'before')");
        capture = f.startInProcess();
        capture.awaitStreaming();
    }

    @AfterAll
    static void stop() throws Exception {
        capture.close();
    }

    private static List<ConsumerRecord<String, String>> until(Predicate<List<ConsumerRecord<String, String>>> done) {
        return f.consumeUntil(done, Duration.ofSeconds(60));
    }

    private static List<JsonNode> values(List<ConsumerRecord<String, String>> records, String table) {
        return records.stream().filter(r -> r.topic().equals(f.topic(table)) && r.value() != null)
                .map(r -> CaptureFixture.json(r.value())).toList();
    }

    @Test
    void shouldSnapshotExistingRowsOnFirstStart() {
        List<ConsumerRecord<String, String>> records = until(r -> values(r, "organizations").stream()
                .anyMatch(v -> v.path("op").asText().equals("r")));
        JsonNode read = values(records, "organizations").stream().filter(v -> v.path("op").asText().equals("r")).findFirst().orElseThrow();
        assertThat(read.path("after").path("id").asLong()).isEqualTo(100);
        assertThat(read.path("before").isNull()).isTrue();
    }

    @Test
    void shouldPublishOneEventPerChangeOnEveryCapturedTableWithTombstones() throws Exception {
        f.sql("INSERT INTO app.organizations (id, name, slug) VALUES (1, 'Keep', 'keep'), (2, 'Victim', 'victim')",
                "INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (1, 1, 'k@x.io', 'keep', 'hash-keep'),"
                        + " (2, 1, 'v@x.io', 'victim', 'hash-victim')",
                "INSERT INTO app.categories (id, org_id, name, slug) VALUES (1, 1, 'c', 'c1'), (2, 1, 'c', 'c2')",
                "INSERT INTO app.tags (id, org_id, name, slug) VALUES (1, 1, 't', 't1'), (2, 1, 't', 't2')",
                "INSERT INTO app.articles (id, org_id, author_id, slug, title, content) VALUES (1, 1, 1, 'a1', 'Keep', 'x'),"
                        + " (2, 1, 1, 'a2', 'Victim', 'y')",
                "INSERT INTO app.memberships (org_id, user_id) VALUES (1, 1)",
                "INSERT INTO app.article_tags (article_id, tag_id, org_id) VALUES (1, 1, 1)",
                "INSERT INTO app.comments (id, org_id, article_id, author_id, body) VALUES (1, 1, 1, 1, 'hi')",
                "INSERT INTO app.user_favorites (user_id, article_id) VALUES (1, 1)",
                "INSERT INTO app.user_preferences (user_id, preferences) VALUES (1, '{\"theme\": \"dark\"}')",
                "INSERT INTO app.user_sessions (id, user_id, expires_at) VALUES ('00000000-0000-0000-0000-000000000001', 1, now())",
                "INSERT INTO app.article_views (id, article_id, created_at) VALUES (1, 1, '2030-01-15 00:00+00')");
        f.sql("UPDATE app.organizations SET name = 'Victim 2' WHERE id = 2",
                "UPDATE app.users SET display_name = 'V' WHERE id = 2",
                "UPDATE app.categories SET name = 'c2b' WHERE id = 2",
                "UPDATE app.tags SET name = 't2b' WHERE id = 2",
                "UPDATE app.articles SET title = 'Victim 2' WHERE id = 2",
                "UPDATE app.memberships SET role = 'editor' WHERE user_id = 1",
                "UPDATE app.article_tags SET org_id = 1 WHERE article_id = 1",
                "UPDATE app.comments SET body = 'edited' WHERE id = 1",
                "UPDATE app.user_favorites SET created_at = now() WHERE user_id = 1",
                "UPDATE app.user_preferences SET preferences = '{\"theme\": \"light\"}' WHERE user_id = 1",
                "UPDATE app.user_sessions SET last_seen_at = now() WHERE user_id = 1",
                "UPDATE app.article_views SET user_id = 7 WHERE id = 1");
        f.sql("DELETE FROM app.article_views WHERE id = 1", "DELETE FROM app.user_sessions", "DELETE FROM app.user_preferences",
                "DELETE FROM app.user_favorites", "DELETE FROM app.comments", "DELETE FROM app.article_tags",
                "DELETE FROM app.memberships", "DELETE FROM app.articles WHERE id = 2", "DELETE FROM app.tags WHERE id = 2",
                "DELETE FROM app.categories WHERE id = 2", "DELETE FROM app.users WHERE id = 2",
                "DELETE FROM app.organizations WHERE id = 2");

        Map<String, String> victimKeys = Map.ofEntries(
                Map.entry("organizations", "{\"id\":2}"), Map.entry("users", "{\"id\":2}"), Map.entry("categories", "{\"id\":2}"),
                Map.entry("tags", "{\"id\":2}"), Map.entry("articles", "{\"id\":2}"),
                Map.entry("memberships", "{\"org_id\":1,\"user_id\":1}"), Map.entry("article_tags", "{\"article_id\":1,\"tag_id\":1}"),
                Map.entry("comments", "{\"id\":1}"), Map.entry("user_favorites", "{\"user_id\":1,\"article_id\":1}"),
                Map.entry("user_preferences", "{\"user_id\":1}"),
                Map.entry("user_sessions", "{\"id\":\"00000000-0000-0000-0000-000000000001\"}"),
                Map.entry("article_views", "{\"id\":1}"));
        List<ConsumerRecord<String, String>> records = until(r -> victimKeys.keySet().stream()
                .allMatch(t -> r.stream().anyMatch(x -> x.topic().equals(f.topic(t)) && x.value() == null)));

        victimKeys.forEach((table, key) -> {
            List<ConsumerRecord<String, String>> ofRow = records.stream()
                    .filter(r -> r.topic().equals(f.topic(table)) && keyMatches(r.key(), key)).toList();
            assertThat(ofRow).as("events of %s %s", table, key).hasSize(4);
            assertThat(ofRow.stream().map(r -> r.value() == null ? "tombstone" : CaptureFixture.json(r.value()).path("op").asText()))
                    .as("%s: insert, update, delete, then a tombstone, in order", table)
                    .containsExactly("c", "u", "d", "tombstone");
            JsonNode update = CaptureFixture.json(ofRow.get(1).value());
            assertThat(update.path("before").isObject()).as("%s: full before image", table).isTrue();
            assertThat(update.path("after").isObject()).isTrue();
            assertThat(update.path("source").path("txId").asLong()).isPositive();
            assertThat(update.path("source").path("lsn").asLong()).isPositive();
            assertThat(update.path("source").path("table").asText()).isEqualTo(table);
            JsonNode delete = CaptureFixture.json(ofRow.get(2).value());
            assertThat(delete.path("after").isNull()).isTrue();
            assertThat(delete.path("before").isObject()).isTrue();
            assertThat(ofRow.get(3).partition()).as("the tombstone compacts the same key").isEqualTo(ofRow.get(2).partition());
        });
        JsonNode orgUpdate = CaptureFixture.json(records.stream().filter(r -> r.topic().equals(f.topic("organizations"))
                && "{\"id\":2}".equals(r.key()) && r.value() != null && r.value().contains("\"op\":\"u\"")).findFirst().orElseThrow().value());
        assertThat(orgUpdate.path("before").path("name").asText()).isEqualTo("Victim");
        assertThat(orgUpdate.path("after").path("name").asText()).isEqualTo("Victim 2");

        // Nothing anywhere carries the password hashes: the column never leaves the database.
        int seen = records.size();
        List<ConsumerRecord<String, String>> everything = until(r -> r.size() >= seen);
        assertThat(everything).isNotEmpty().noneMatch(r -> r.value() != null
                && (r.value().contains("password_hash") || r.value().contains("hash-keep") || r.value().contains("hash-victim")));
    }

    @Test
    void shouldPublishViewsOfEveryMonthlyPartitionUnderTheParentTopic() throws Exception {
        LocalDate month = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);
        f.sql("INSERT INTO app.article_views (id, article_id, created_at) VALUES (501, 9, '" + month.plusDays(2) + " 10:00+00'),"
                + " (502, 9, '" + month.plusMonths(2).plusDays(2) + " 10:00+00'), (503, 9, '1999-06-01 10:00+00')");

        List<ConsumerRecord<String, String>> records = until(r -> values(r, "article_views").stream()
                .filter(v -> v.path("after").path("article_id").asLong() == 9).count() == 3);

        assertThat(values(records, "article_views").stream().filter(v -> v.path("after").path("article_id").asLong() == 9)
                .map(v -> v.path("after").path("id").asLong())).containsExactlyInAnyOrder(501L, 502L, 503L);
        assertThat(records).noneMatch(r -> r.topic().contains("article_views_"));
    }

    @Test
    void shouldForwardTheAuditContextWithTheTransactionOfItsChanges() throws Exception {
        f.sql("INSERT INTO app.organizations (id, name, slug) VALUES (7, 'Ctx', 'ctx')");
        f.sql("SET LOCAL app.user_id = '42'", "SET LOCAL app.org_id = '7'",
                "INSERT INTO app.tags (id, org_id, name, slug) VALUES (70, 7, 'ctx', 'ctx-1')",
                "INSERT INTO app.tags (id, org_id, name, slug) VALUES (71, 7, 'ctx', 'ctx-2')");

        String messageTopic = f.prefix + ".message";
        List<ConsumerRecord<String, String>> records = until(r -> r.stream().anyMatch(x -> x.topic().equals(messageTopic)
                && decodedContent(x).contains("\"42\"")) && values(r, "tags").stream().anyMatch(v -> v.path("after").path("id").asLong() == 71));

        List<ConsumerRecord<String, String>> messages = records.stream()
                .filter(r -> r.topic().equals(messageTopic) && decodedContent(r).contains("\"app_user\" : \"42\"")).toList();
        // Delivery is at-least-once (a restarted engine replays): one message means one WAL position.
        assertThat(messages.stream().map(r -> CaptureFixture.json(r.value()).path("source").path("lsn").asLong()).distinct())
                .as("one audit.context message for the transaction").hasSize(1);
        JsonNode message = CaptureFixture.json(messages.get(0).value());
        assertThat(message.path("message").path("prefix").asText()).isEqualTo("audit.context");
        JsonNode context = CaptureFixture.json(decodedContent(messages.get(0)));
        assertThat(context.path("org").asText()).isEqualTo("7");
        assertThat(context.path("db_user").asText()).isEqualTo("postgres");
        long txId = values(records, "tags").stream().filter(v -> v.path("after").path("id").asLong() == 70).findFirst()
                .orElseThrow().path("source").path("txId").asLong();
        assertThat(message.path("source").path("txId").asLong()).as("same transaction as its row events").isEqualTo(txId);
    }

    /** Every field of {@code expected} has the same value in {@code key} (extra key fields, e.g. a partition key, are fine). */
    private static boolean keyMatches(String key, String expected) {
        JsonNode actual = CaptureFixture.json(key);
        JsonNode wanted = CaptureFixture.json(expected);
        java.util.Iterator<Map.Entry<String, JsonNode>> fields = wanted.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getValue().equals(actual.path(field.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static String decodedContent(ConsumerRecord<String, String> record) {
        JsonNode content = CaptureFixture.json(record.value()).path("message").path("content");
        return content.isMissingNode() ? "" : new String(Base64.getDecoder().decode(content.asText()), StandardCharsets.UTF_8);
    }

    @Test
    void shouldStreamOverTlsAuthenticatedByCertificate() throws Exception {
        try (Connection c = f.db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT r.usename, l.ssl, l.client_dn FROM pg_replication_slots sl"
                     + " JOIN pg_stat_replication r ON r.pid = sl.active_pid JOIN pg_stat_ssl l ON l.pid = r.pid"
                     + " WHERE sl.slot_name = '" + f.config().slotName() + "'")) {
            assertThat(rs.next()).as("the slot's walsender").isTrue();
            assertThat(rs.getString(1)).isEqualTo("cdc_user");
            assertThat(rs.getBoolean(2)).as("encrypted").isTrue();
            assertThat(rs.getString(3)).as("client certificate").isEqualTo("/CN=cdc_user");
        }
    }

    @Test
    void shouldCarryANewColumnAddedWhileStreaming() throws Exception {
        f.sql("INSERT INTO app.organizations (id, name, slug) VALUES (8, 'Alter', 'alter')");
        f.sql("INSERT INTO app.categories (id, org_id, name, slug) VALUES (80, 8, 'before-alter', 'ba')");
        f.sql("ALTER TABLE app.categories ADD COLUMN color text");
        f.sql("INSERT INTO app.categories (id, org_id, name, slug, color) VALUES (81, 8, 'after-alter', 'aa', 'teal')");

        List<ConsumerRecord<String, String>> records = until(r -> values(r, "categories").stream()
                .anyMatch(v -> v.path("after").path("id").asLong() == 81));

        JsonNode after = values(records, "categories").stream().filter(v -> v.path("after").path("id").asLong() == 81)
                .findFirst().orElseThrow().path("after");
        assertThat(after.path("color").asText()).isEqualTo("teal");
    }

    @Test
    void shouldSendTheRealValueOfAnUnchangedToastedColumn() throws Exception {
        // About 1 MB of poorly compressible text, so PostgreSQL stores it out of line (TOAST).
        f.sql("INSERT INTO app.organizations (id, name, slug) VALUES (9, 'Toast', 'toast')",
                "INSERT INTO app.users (id, org_id, email, username, password_hash) VALUES (90, 9, 't@x.io', 't', 'h')",
                "INSERT INTO app.articles (id, org_id, author_id, slug, title, content) SELECT 90, 9, 90, 'toast', 'Before',"
                        + " string_agg(md5(g::text), '') FROM generate_series(1, 32768) g");
        f.sql("UPDATE app.articles SET title = 'After' WHERE id = 90");

        List<ConsumerRecord<String, String>> records = until(r -> values(r, "articles").stream()
                .anyMatch(v -> v.path("op").asText().equals("u") && v.path("after").path("id").asLong() == 90));

        JsonNode update = values(records, "articles").stream()
                .filter(v -> v.path("op").asText().equals("u") && v.path("after").path("id").asLong() == 90).findFirst().orElseThrow();
        String content = update.path("after").path("content").asText();
        assertThat(content).as("not Debezium's placeholder").doesNotContain("__debezium_unavailable_value").hasSize(32768 * 32);
        assertThat(update.path("after").path("title").asText()).isEqualTo("After");
    }

    @Test
    void shouldRunAnIncrementalSnapshotOnRequest() throws Exception {
        f.sql("INSERT INTO app.tags (id, org_id, name, slug) SELECT 1000 + g, 100, 'bulk', 'bulk-' || g FROM generate_series(1, 50) g");
        until(r -> values(r, "tags").stream().filter(v -> v.path("after").path("id").asLong() > 1000).count() >= 50);

        SnapshotRequest.request(f.config().database(), "app.tags");

        List<ConsumerRecord<String, String>> records = until(r -> values(r, "tags").stream()
                .filter(v -> v.path("op").asText().equals("r") && v.path("after").path("id").asLong() > 1000).count() >= 50);
        assertThat(values(records, "tags").stream().filter(v -> v.path("op").asText().equals("r")
                && v.path("after").path("id").asLong() > 1000).map(v -> v.path("after").path("id").asLong()).distinct())
                .as("every existing row re-read as op r").hasSize(50);
    }
}
