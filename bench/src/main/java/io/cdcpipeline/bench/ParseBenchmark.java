package io.cdcpipeline.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cdcpipeline.common.change.ChangeEvent;
import io.cdcpipeline.common.change.ChangeEventParser;

/**
 * {@code ./cdc-pipeline bench parse}: the cost of reading a change event with the one parser every
 * service uses ({@link ChangeEventParser}), bare and with its schema embedded
 * (CAPTURE_JSON_SCHEMAS=true), against two baselines measured in the same run: Jackson reading the
 * same value into a tree, which is what cache-invalidator did before the parser was shared, and
 * audit-sink's own token-stream reader of that time ({@link PreviousAuditReader}), against which
 * audit-sink's reader now (the shared parser, then the audit row) must not be more than 5 % slower.
 * No servers: the figure is CPU per record, in alternating rounds, reported as medians and ratios
 * (a per-record CPU figure, far steadier here than the end-to-end {@code bench audit}).
 */
public final class ParseBenchmark {

    private static final int RECORDS = 100_000;
    private static final int ROUNDS = 30;
    private static final int WARM_UP_ROUNDS = 6;

    private ParseBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String[] keys = new String[RECORDS];
        String[] bare = new String[RECORDS];
        String[] wrapped = new String[RECORDS];
        long now = System.currentTimeMillis();
        for (int i = 0; i < RECORDS; i++) {
            keys[i] = "{\"id\":" + (i % 50_000) + "}";
            bare[i] = envelope(i, now);
            wrapped[i] = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\","
                    + "\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"name\"}],"
                    + "\"optional\":true,\"field\":\"before\"},{\"type\":\"string\",\"optional\":false,\"field\":\"op\"}],"
                    + "\"optional\":false,\"name\":\"bench.app.tags.Envelope\"},\"payload\":" + bare[i] + "}";
        }
        ObjectMapper json = new ObjectMapper();
        List<Double> tree = new ArrayList<>();
        List<Double> parsed = new ArrayList<>();
        List<Double> parsedWrapped = new ArrayList<>();
        List<Double> previousAudit = new ArrayList<>();
        List<Double> currentAudit = new ArrayList<>();
        List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> records = new ArrayList<>(RECORDS);
        for (int i = 0; i < RECORDS; i++) {
            records.add(new org.apache.kafka.clients.consumer.ConsumerRecord<>("bench.app.tags", 0, i, keys[i], bare[i]));
        }
        io.cdcpipeline.audit.AuditParserProbe audit = new io.cdcpipeline.audit.AuditParserProbe("bench.message");
        long sink = 0;
        for (int round = 0; round < ROUNDS; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < RECORDS; i++) {
                sink += json.readTree(bare[i]).size();
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < RECORDS; i++) {
                ChangeEvent e = ChangeEventParser.parse("bench.app.tags", 0, i, keys[i], bare[i]);
                sink += e.after().columnNames().size();
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < RECORDS; i++) {
                ChangeEvent e = ChangeEventParser.parse("bench.app.tags", 0, i, keys[i], wrapped[i]);
                sink += e.after().columnNames().size();
            }
            long t3 = System.nanoTime();
            for (int i = 0; i < RECORDS; i++) {
                sink += PreviousAuditReader.read(keys[i], bare[i]).after().length();
            }
            long t4 = System.nanoTime();
            for (int i = 0; i < RECORDS; i++) {
                sink += audit.afterImage(records.get(i)).length();
            }
            long t5 = System.nanoTime();
            if (round >= WARM_UP_ROUNDS) {
                tree.add((t1 - t0) / (double) RECORDS);
                parsed.add((t2 - t1) / (double) RECORDS);
                parsedWrapped.add((t3 - t2) / (double) RECORDS);
                previousAudit.add((t4 - t3) / (double) RECORDS);
                currentAudit.add((t5 - t4) / (double) RECORDS);
            }
        }
        double baseline = median(tree);
        System.out.printf("%nRESULT Jackson readTree (baseline) %.0f ns/record%n", baseline);
        System.out.printf("RESULT ChangeEventParser, bare envelope %.0f ns/record: %.2f x the baseline%n", median(parsed),
                median(parsed) / baseline);
        System.out.printf("RESULT ChangeEventParser, schema embedded %.0f ns/record: %.2f x the baseline (%,d records, median of %d"
                + " rounds; checksum %d)%n", median(parsedWrapped), median(parsedWrapped) / baseline, RECORDS,
                ROUNDS - WARM_UP_ROUNDS, sink % 10);
        double previous = median(previousAudit);
        System.out.printf("RESULT audit-sink's reader before the shared parser (baseline) %.0f ns/record%n", previous);
        System.out.printf("RESULT audit-sink's reader now (shared parser + audit row) %.0f ns/record: %.2f x that baseline"
                + " (target: at most 1.05)%n", median(currentAudit), median(currentAudit) / previous);
    }

    /** The update envelope AuditBenchmark publishes: before and after images of a tag. */
    private static String envelope(int i, long now) {
        long lsn = 1_000_000L + i * 100L;
        int id = i % 50_000;
        return "{\"before\":{\"id\":" + id + ",\"org_id\":1,\"name\":\"tag " + id + "\",\"slug\":\"t-" + id + "\"},"
                + "\"after\":{\"id\":" + id + ",\"org_id\":1,\"name\":\"tag " + id + " v" + i + "\",\"slug\":\"t-" + id + "\"},"
                + "\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"bench\",\"ts_ms\":" + (now + i / 10)
                + ",\"snapshot\":\"false\",\"db\":\"blog\",\"sequence\":\"[\\\"" + (lsn - 50) + "\\\",\\\"" + lsn
                + "\\\"]\",\"schema\":\"app\",\"table\":\"tags\",\"txId\":" + (1000 + i / 10) + ",\"lsn\":" + lsn
                + ",\"xmin\":null},\"transaction\":null,\"op\":\"u\",\"ts_ms\":" + (now + 1000 + i / 10) + "}";
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
