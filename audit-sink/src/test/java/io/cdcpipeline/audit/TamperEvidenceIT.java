package io.cdcpipeline.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.cdcpipeline.testkit.PrometheusText;

import io.cdcpipeline.common.service.ServiceThread;

/** A superuser who rewrites the log (triggers off) is caught by verify, at the right position. */
class TamperEvidenceIT {

    private record Row(long id, String topic, int partition, long offset) {
    }

    @Test
    void shouldReportModifiedDeletedSwappedAndTruncatedRowsAtTheirPositions() throws Exception {
        try (AuditFixture f = AuditFixture.start("audit-tamper")) {
            ServiceThread sink = f.startSink();
            MixedWorkload.run(f.capture.db, 20, 5_000_000, new AtomicInteger());
            f.assertMatchesOracle(Duration.ofSeconds(120));
            sink.close();
            Map<String, String> env = new HashMap<>(f.capture.db.superuserEnv());
            env.put("KAFKA_BOOTSTRAP_SERVERS", f.capture.kafka.bootstrapServers());
            env.put("AUDIT_CONSUMER_GROUP", f.group);

            String clean = verify(env);
            // 10,000 tag changes in three partitions, and the workload's organization in a fourth chain.
            assertThat(clean).contains("verified 10001 rows in 4 chains").doesNotContain("BROKEN");

            Map<Integer, List<Row>> chains = chains(f);
            Row modified = chains.get(0).get(100);
            Row deleted = chains.get(1).get(200);
            Row afterDeleted = chains.get(1).get(201);
            Row swapA = chains.get(2).get(300);
            Row swapB = chains.get(2).get(301);
            List<Row> chain2 = chains.get(2);
            Row tail = chains.get(0).get(chains.get(0).size() - 1);
            f.capture.db.execute("SET session_replication_role = replica;"
                    + " UPDATE audit.change_log SET after = jsonb_set(after, '{name}', '\"forged\"') WHERE id = " + modified.id() + ";"
                    + " DELETE FROM audit.change_log WHERE id = " + deleted.id() + ";"
                    + " UPDATE audit.change_log SET chain_offset = -1 WHERE id = " + swapA.id() + ";"
                    + " UPDATE audit.change_log SET chain_offset = " + swapA.offset() + " WHERE id = " + swapB.id() + ";"
                    + " UPDATE audit.change_log SET chain_offset = " + swapB.offset() + " WHERE id = " + swapA.id() + ";"
                    + " DELETE FROM audit.change_log WHERE id = " + tail.id() + ";");

            String report = verify(env);

            assertThat(report).contains("BROKEN " + modified.topic() + "-0 at offset " + modified.offset() + " (row id "
                    + modified.id() + "): content does not match row_hash");
            assertThat(report).contains("BROKEN " + afterDeleted.topic() + "-1 at offset " + afterDeleted.offset() + " (row id "
                    + afterDeleted.id() + "): prev_hash does not match");
            assertThat(report).contains("BROKEN " + swapB.topic() + "-2 at offset " + swapA.offset() + " (row id " + swapB.id() + ")");
            assertThat(report).contains(tail.topic() + "-0 at offset " + tail.offset() + ": the published chain head is at offset "
                    + tail.offset());
            assertThat(chain2.size()).isGreaterThan(302);

            // Scheduled: the same verification, run by the service, exported for the alert.
            Map<String, String> serviceEnv = new HashMap<>(env);
            serviceEnv.put("METRICS_BIND", "127.0.0.1");
            serviceEnv.put("METRICS_PORT", "0");
            try (ServiceThread verifier = new ServiceThread("audit-verify",
                    ScheduledVerification.create(serviceEnv, Optional.empty(), Optional.empty(), Duration.ofHours(1)))) {
                int port = verifier.metrics().port();
                await().atMost(Duration.ofSeconds(60)).until(() -> PrometheusText.scrape(port)
                        .value("audit_verify_runs_total", "outcome", "broken").orElse(0.0) >= 1);
                PrometheusText metrics = PrometheusText.scrape(port);
                assertThat(metrics.value("audit_verify_broken_chains")).as("chains 0, 1 and 2 are broken").contains(3.0);
                assertThat(metrics.value("audit_verify_chains")).contains(4.0);
                assertThat(metrics.value("audit_verify_runs_total", "outcome", "ok")).contains(0.0);
                assertThat(metrics.value("audit_verify_last_run_timestamp_seconds").orElseThrow()).isPositive();
            }
        }
    }

    private static String verify(Map<String, String> env) {
        StringWriter out = new StringWriter();
        int code = AuditSinkService.verify(env, new PrintWriter(out, true));
        String text = out.toString();
        assertThat(code).as(text).isEqualTo(text.contains("BROKEN") ? 1 : 0);
        return text;
    }

    private static Map<Integer, List<Row>> chains(AuditFixture f) throws Exception {
        Map<Integer, List<Row>> chains = new HashMap<>();
        try (Connection c = f.capture.db.superuserConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, chain_topic, chain_partition, chain_offset FROM audit.change_log"
                     + " WHERE source_table = 'app.tags' ORDER BY chain_partition, chain_offset")) {
            while (rs.next()) {
                chains.computeIfAbsent(rs.getInt(3), p -> new ArrayList<>()).add(new Row(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getLong(4)));
            }
        }
        return chains;
    }
}
