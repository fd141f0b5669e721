package io.cdcpipeline.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Reads what a service exports on {@code /metrics} (the Prometheus text format), so tests can
 * assert on real scrapes: {@code PrometheusText.scrape(port).value("pg_up")}.
 */
public final class PrometheusText {

    /** One line of the exposition: {@code name{labels} value}. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public String label(String key) {
            return labels.get(key);
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    /** GET http://127.0.0.1:{port}/metrics. */
    public static PrometheusText scrape(int port) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("/metrics on port " + port + " answered " + response.statusCode());
            }
            return parse(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scrape port " + port, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            samples.add(parseLine(line));
        }
        return new PrometheusText(samples);
    }

    private static Sample parseLine(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        String name;
        Map<String, String> labels = new LinkedHashMap<>();
        int rest;
        if (brace >= 0 && brace < space) {
            name = line.substring(0, brace);
            int i = brace + 1;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq).trim();
                StringBuilder value = new StringBuilder();
                int j = eq + 2; // past ="
                while (line.charAt(j) != '"') {
                    char ch = line.charAt(j);
                    if (ch == '\\') {
                        char next = line.charAt(++j);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(ch);
                    }
                    j++;
                }
                labels.put(key, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            rest = i + 1;
        } else {
            name = line.substring(0, space);
            rest = space;
        }
        String[] parts = line.substring(rest).trim().split("\\s+");
        return new Sample(name, Map.copyOf(labels), parseValue(parts[0]));
    }

    private static double parseValue(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    public List<Sample> samples() {
        return samples;
    }

    /** Every sample name exported (with _total, _bucket, _count ... suffixes as written). */
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        samples.forEach(s -> names.add(s.name()));
        return names;
    }

    public List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The samples of {@code name} whose labels include every given name/value pair. */
    public List<Sample> samples(String name, String... labels) {
        Predicate<Sample> match = s -> {
            for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                    return false;
                }
            }
            return true;
        };
        return samples(name).stream().filter(match).toList();
    }

    /** The value of the one sample of {@code name} with these labels, if exported. */
    public Optional<Double> value(String name, String... labels) {
        List<Sample> found = samples(name, labels);
        if (found.size() > 1) {
            throw new IllegalStateException(found.size() + " samples of " + name + " match " + List.of(labels));
        }
        return found.stream().findFirst().map(Sample::value);
    }
}
