package io.cdcpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The README's first command, as a newcomer runs it: {@code ./cdc-pipeline demo --for 30}, not on a
 * terminal (plain status lines). While it runs, the test uses what it printed, as a user would: the
 * JDBC URL and superuser certificate, the audit-trail query, and the verify command for a second
 * terminal. At the end every figure of the summary must be non-zero, the audit log must hold
 * exactly the changes the demo made (by the demo's count and by PostgreSQL's statistics), and
 * every process and file but the log must be gone.
 */
class DemoIT {

    private static final Path SCRIPT = Path.of("..", "cdc-pipeline").toAbsolutePath().normalize();
    private static final Pattern LOG_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (TRACE|DEBUG|INFO|WARN) .*");

    @Test
    void shouldShowAChangeTravelThroughEveryServiceAndAuditEveryChange() throws Exception {
        Path log = Path.of("target", "demo-it.log").toAbsolutePath();
        Files.deleteIfExists(log);
        ProcessBuilder builder = new ProcessBuilder(SCRIPT.toString(), "demo", "--for", "30", "--log", log.toString())
                .redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> !name.equals("PATH") && !name.equals("JAVA_HOME") && !name.equals("HOME"));
        Process demo = builder.start();
        List<String> lines = new ArrayList<>();
        CompletableFuture<Void> whileItRuns = new CompletableFuture<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("cdc-pipeline demo  0:1") && !whileItRuns.isDone()) {
                    // The status block is on screen: the copy-paste part of the banner must work now.
                    List<String> printed = List.copyOf(lines);
                    whileItRuns = CompletableFuture.runAsync(() -> useWhatWasPrinted(printed));
                }
            }
        }
        assertThat(demo.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String output = String.join("\n", lines);
        assertThat(demo.exitValue()).as(output).isZero();
        whileItRuns.get(2, TimeUnit.MINUTES);

        Map<String, String> summary = summary(lines);
        assertThat(summary).as(output).hasSizeGreaterThanOrEqualTo(12);
        summary.forEach((figure, value) -> assertThat(number(value)).as(figure + " in\n" + output).isPositive());

        Matcher audit = Pattern.compile("audit log: ([\\d,]+) rows in audit.change_log for ([\\d,]+) row changes the demo committed"
                + " \\(PostgreSQL's statistics of the app tables: ([\\d,]+)\\): every change audited, once").matcher(output);
        assertThat(audit.find()).as(output).isTrue();
        long changes = number(audit.group(2));
        assertThat(changes).as("changes the demo made in 30 s").isGreaterThan(300);
        assertThat(number(audit.group(1))).as("audit rows").isEqualTo(changes);
        assertThat(number(audit.group(3))).as("PostgreSQL's count").isEqualTo(changes);
        assertThat(number(summary.get("row changes committed by the demo"))).isEqualTo(changes);
        assertThat(number(summary.get("audit rows written"))).as("audit-sink's own counter").isEqualTo(changes);
        assertThat(output).contains("health: 0 dead letters, 0 records of consumer lag, 0 demo steps failed");
        assertThat(output).containsPattern("verified \\d+ rows in \\d+ chains against \\d+ signed checkpoints")
                .doesNotContain("BROKEN");

        // The terminal is for the user: the services' messages are in the log file it named, not on screen.
        assertThat(output).contains("full log: " + log);
        assertThat(lines).filteredOn(l -> LOG_LINE.matcher(l).matches()).as("log lines on the terminal").isEmpty();
        String logged = Files.readString(log);
        assertThat(logged).contains("capture is streaming", "CaptureRunner");

        // No secret on screen: passwords stay in their 0600 file, keys are shown as paths.
        Path root = Path.of(value(lines, "role passwords").split(" ")[0]).getParent();
        assertThat(output).doesNotContain("PRIVATE KEY");
        assertThat(Files.exists(root)).as("every file of the run is removed, but the log").isFalse();
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(root.toString())))
                .as("every server of the run is stopped").isEmpty();
        assertThat(Files.exists(log)).isTrue();
    }

    /** The banner's psql query and the second terminal's verify, while the demo runs. */
    private static void useWhatWasPrinted(List<String> printed) {
        try {
            String passwords = Files.readString(Path.of(value(printed, "role passwords").split(" ")[0]));
            for (String assignment : passwords.lines().filter(l -> l.contains("=")).toList()) {
                String secret = assignment.substring(assignment.indexOf('=') + 1);
                assertThat(String.join("\n", printed)).as("a password was printed").doesNotContain(secret);
            }
            String url = value(printed, "PostgreSQL JDBC URL");
            assertThat(url).contains("sslmode=verify-full");
            String query = printed.stream().dropWhile(l -> !l.contains("-- the audit trail of one article")).skip(1)
                    .takeWhile(l -> !l.trim().startsWith("--")).map(String::trim).reduce((a, b) -> a + " " + b).orElseThrow();
            try (Connection c = DriverManager.getConnection(url + "&user=postgres&sslcert=" + value(printed, "superuser certificate")
                    + "&sslkey=" + value(printed, "superuser key")); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery(query.replaceAll(";$", ""))) {
                assertThat(rs.next()).as("the article's audit trail: " + query).isTrue();
                assertThat(rs.getString("db_user")).isEqualTo("app_user");
                assertThat(rs.getString("app_user")).as("the application's actor").isNotBlank();
            }
            String verify = printed.get(printed.indexOf("and in another terminal, the audit log's hash chains verified:") + 1).trim();
            Process p = new ProcessBuilder("bash", "-c", verify.replace("./cdc-pipeline", SCRIPT.toString()))
                    .redirectErrorStream(true).start();
            String verified = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(p.exitValue()).as(verified).isZero();
            assertThat(verified).containsPattern("verified [1-9]\\d* rows in \\d+ chains");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The value printed after an endpoint's name. */
    private static String value(List<String> lines, String name) {
        return lines.stream().filter(l -> l.startsWith("  " + name + " ")).findFirst().orElseThrow(() -> new AssertionError(name))
                .substring(name.length() + 2).trim();
    }

    private static Map<String, String> summary(List<String> lines) {
        Map<String, String> rows = new LinkedHashMap<>();
        int start = lines.indexOf("Summary");
        assertThat(start).as("a summary was printed").isNotNegative();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.isBlank()) {
                break;
            }
            String[] cells = line.trim().split("\\s{2,}");
            rows.put(cells[0], cells[cells.length - 1]);
        }
        return rows;
    }

    private static long number(String value) {
        return Math.round(Double.parseDouble(value.replaceAll("[^0-9.]", "")));
    }
}
