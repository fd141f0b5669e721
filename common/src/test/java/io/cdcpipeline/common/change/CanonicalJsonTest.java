package io.cdcpipeline.common.change;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonParser;

class CanonicalJsonTest {

    @Test
    void shouldSpellEquivalentJsonTheSameWayAsJsonbWouldReturnIt() {
        String fromDebezium = "{\"name\":\"é\\\"x\",\"id\":1,\"price\":\"12.50\",\"ratio\":2.50,\"tags\":[3,1],\"n\":null}";
        String fromJsonb = "{\"n\": null, \"id\": 1, \"name\": \"\\u00e9\\\"x\", \"tags\": [3, 1], \"price\": \"12.50\", \"ratio\": 2.5}";

        assertThat(CanonicalJson.of(CanonicalJson.parse(fromDebezium))).isEqualTo(CanonicalJson.of(CanonicalJson.parse(fromJsonb)))
                .isEqualTo("{\"id\":1,\"n\":null,\"name\":\"é\\\"x\",\"price\":\"12.50\",\"ratio\":2.5,\"tags\":[3,1]}");
        assertThat(CanonicalJson.of(null)).isEqualTo("null");
        assertThat(CanonicalJson.of(CanonicalJson.parse("1e3"))).isEqualTo("1000");
        assertThat(CanonicalJson.of(CanonicalJson.parse("[-7,0,100,12345678901234567890123,1.50,-0.0]")))
                .isEqualTo("[-7,0,100,12345678901234567890123,1.5,0]");
    }

    @Test
    void shouldSpellTheSameTextFromTheTokenStreamAsFromTheTree() throws Exception {
        List<String> samples = new ArrayList<>(List.of(
                "{\"b\":1,\"a\":{\"z\":[1,2.50,{\"y\":null,\"x\":true}],\"c\":\"\\u00e9\\\"\\n\\t\\u0001\"},\"a2\":false}",
                "{\"dup\":1,\"dup\":2}", "[]", "{}", "\"text\"", "-0", "-0.0", "1e3", "1E-2", "0.000", "-12.3400e5",
                "12345678901234567890123", "-9223372036854775808", "2147483648", "3.14159265358979323846264338327950288"));
        Random random = new Random(20261202);
        for (int i = 0; i < 2000; i++) {
            samples.add(randomJson(random, 0));
        }
        for (String sample : samples) {
            assertThat(CanonicalJson.ofText(sample)).as(sample).isEqualTo(CanonicalJson.of(CanonicalJson.parse(sample)));
        }
    }

    private static String randomJson(Random random, int depth) {
        int kind = random.nextInt(depth > 3 ? 6 : 8);
        return switch (kind) {
            case 0 -> "null";
            case 1 -> random.nextBoolean() ? "true" : "false";
            case 2 -> Long.toString(random.nextLong() >> random.nextInt(64));
            case 3 -> new BigDecimal(BigInteger.valueOf(random.nextLong()), random.nextInt(20) - 5).toString();
            case 4 -> random.nextDouble() * Math.pow(10, random.nextInt(30) - 15) + "";
            case 5 -> quoted(random);
            case 6 -> {
                StringBuilder out = new StringBuilder("[");
                for (int i = random.nextInt(4); i > 0; i--) {
                    out.append(randomJson(random, depth + 1)).append(i > 1 ? "," : "");
                }
                yield out.append(']').toString();
            }
            default -> {
                StringBuilder out = new StringBuilder("{");
                for (int i = random.nextInt(5); i > 0; i--) {
                    out.append(quoted(random)).append(':').append(randomJson(random, depth + 1)).append(i > 1 ? "," : "");
                }
                yield out.append('}').toString();
            }
        };
    }

    private static String quoted(Random random) {
        String alphabet = "abcé\"\\/\u00a0\u2028😀 \t\n\u0001";
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(6); i > 0; i--) {
            text.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0,
                    alphabet.length())))));
        }
        try {
            return CanonicalJson.MAPPER.writeValueAsString(text.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
