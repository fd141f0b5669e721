package io.cdcpipeline.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cdcpipeline.capture.CaptureFixture;
import io.cdcpipeline.testkit.ChildJvm;

/**
 * Kafka's own {@code kafka-console-consumer} (its main class, in a child JVM) reads the change
 * topics in their plain form ({@code CAPTURE_JSON_SCHEMAS=false}), and what it prints, read with
 * nothing but a JSON parser and the rules of docs/change-topics.md (apply {@code after} by key, a
 * delete removes the key, a truncate copy clears the keys of its own partition), rebuilds the source
 * tables exactly.
 */
class ConsoleConsumerIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TIMESTAMP = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})");

    private static CaptureFixture f;
    private static CaptureFixture.InProcess capture;

    @BeforeAll
    static void start() throws Exception {
        f = CaptureFixture.create("console");
        capture = f.startInProcess();
        capture.awaitStreaming();
    }

    @AfterAll
    static void stop() throws Exception {
        if (capture != null) {
            capture.close();
        }
    }

    @Test
    void shouldRebuildTheSourceTablesFromWhatTheConsoleConsumerPrints() throws Exception {
        ContractWorkload.run(f, 23);
        f.awaitPublished(Duration.ofSeconds(60));
        Pattern topics = Pattern.compile(Pattern.quote(f.prefix) + "\\.app\\.(" + String.join("|", ContractWorkload.TABLES) + ")");
        long records = f.kafka.topics().endOffsets(topics).values().stream().mapToLong(Long::longValue).sum();

        List<String> lines = consoleConsumer(topics, records);

        assertThat(lines).as("one printed line per record").hasSize((int) records);
        Map<String, Map<Long, Row>> rebuilt = replay(lines);
        try (Connection source = f.db.superuserConnection()) {
            for (String table : ContractWorkload.TABLES) {
                Map<Long, Map<String, String>> printed = new TreeMap<>();
                rebuilt.getOrDefault(table, Map.of()).forEach((id, row) -> printed.put(id, row.columns()));
                List<String> columns = printed.isEmpty() ? List.of("id")
                        : new ArrayList<>(printed.values().iterator().next().keySet());
                TableSnapshot expected = TableSnapshot.of(source, "app." + table, columns);
                assertThat(new TableSnapshot(printed).differencesFrom(expected)).as(table).isEmpty();
                assertThat(expected.rows()).as(table + " has rows to compare").isNotEmpty();
            }
        }
    }

    /** The console consumer's output lines (partition, key and value, tab-separated), from the beginning, {@code max} records. */
    private static List<String> consoleConsumer(Pattern topics, long max) throws Exception {
        Path dir = Path.of("target", "console-" + f.prefix).toAbsolutePath();
        Files.createDirectories(dir);
        Path logback = dir.resolve("logback.xml");
        Files.writeString(logback, "<configuration><root level=\"OFF\"/></configuration>\n", StandardCharsets.UTF_8);
        Process process = ChildJvm.start("console-consumer", dir, "org.apache.kafka.tools.consumer.ConsoleConsumer", List.of(
                "--bootstrap-server", f.kafka.bootstrapServers(), "--include", topics.pattern(), "--from-beginning",
                "--max-messages", Long.toString(max), "--timeout-ms", "60000",
                "--formatter-property", "print.partition=true", "--formatter-property", "print.key=true",
                "--formatter-property", "key.separator=\t"), Map.of(),
                List.of("-Xmx256m", "-Dlogback.configurationFile=" + logback));
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the console consumer ends after " + max + " records").isTrue();
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(ChildJvm.logFile(dir, "console-consumer"), StandardCharsets.UTF_8)) {
            if (line.startsWith("Partition:")) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** A row as printed: the partition of its key, and its columns as text (timestamps as instants). */
    private record Row(int partition, Map<String, String> columns) {
    }

    /** The documented rules, and nothing of ours: table from {@code source.table}, key from the row image. */
    private static Map<String, Map<Long, Row>> replay(List<String> lines) throws Exception {
        Map<String, Map<Long, Row>> tables = new HashMap<>();
        for (String line : lines) {
            // "Partition:N<TAB>key<TAB>value"
            String[] parts = line.split("\t", 3);
            int partition = Integer.parseInt(parts[0].substring("Partition:".length()));
            JsonNode value = JSON.readTree(parts[2]);
            if (value == null || value.isNull()) {
                continue; // a tombstone: the delete before it already removed the row
            }
            String table = value.path("source").path("table").asText();
            Map<Long, Row> rows = tables.computeIfAbsent(table, t -> new HashMap<>());
            switch (value.path("op").asText()) {
                case "c", "u", "r" -> rows.put(value.path("after").path("id").asLong(), new Row(partition, columns(value.path("after"))));
                case "d" -> rows.remove(value.path("before").path("id").asLong());
                case "t" -> rows.values().removeIf(row -> row.partition() == partition);
                default -> throw new AssertionError("unknown op in " + line);
            }
        }
        return tables;
    }

    private static Map<String, String> columns(JsonNode image) {
        Map<String, String> columns = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = image.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode v = field.getValue();
            String text = v.isNull() ? null : v.asText();
            if (text != null && v.isTextual() && TIMESTAMP.matcher(text).matches()) {
                text = OffsetDateTime.parse(text).toInstant().toString();
            }
            columns.put(field.getKey(), text);
        }
        return columns;
    }
}
