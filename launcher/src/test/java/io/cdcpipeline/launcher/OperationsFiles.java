package io.cdcpipeline.launcher;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** What deploy/ asks of the exported metrics: the alert rules' and the dashboard's expressions. */
final class OperationsFiles {

    private OperationsFiles() {
    }

    static JsonNode alerts() throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(AlertRulesTest.DEPLOY.resolve("prometheus/alerts.yml").toFile());
    }

    static List<String> alertNames() throws IOException {
        List<String> names = new ArrayList<>();
        for (JsonNode group : alerts().path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                names.add(rule.path("alert").asText());
            }
        }
        return names;
    }

    /** Metric name → where it is used ("alert X", "panel Y"). */
    static Map<String, Set<String>> referencedMetrics() throws IOException {
        Map<String, Set<String>> used = new TreeMap<>();
        for (JsonNode group : alerts().path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                for (String name : PromQl.metricNames(rule.path("expr").asText())) {
                    used.computeIfAbsent(name, n -> new TreeSet<>()).add("alert " + rule.path("alert").asText());
                }
            }
        }
        JsonNode dashboard = new ObjectMapper().readTree(AlertRulesTest.DEPLOY.resolve("grafana/cdc-pipeline.json").toFile());
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                for (String name : PromQl.metricNames(target.path("expr").asText())) {
                    used.computeIfAbsent(name, n -> new TreeSet<>()).add("panel " + panel.path("title").asText());
                }
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            String query = variable.path("query").path("query").asText("");
            for (String name : PromQl.metricNames(query)) {
                used.computeIfAbsent(name, n -> new TreeSet<>()).add("variable " + variable.path("name").asText());
            }
        }
        return used;
    }
}
