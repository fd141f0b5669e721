package io.cdcpipeline.common.change;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One text for one JSON value, whatever its spelling: object keys sorted, no whitespace, numbers
 * as plain decimals without trailing zeros. PostgreSQL's jsonb re-spells what it stores (key
 * order, number formats), so the chain hashes this form, which survives the round trip.
 *
 * <p>Two ways to the same text: {@link #of(JsonNode)} from a parsed tree (what {@code verify}
 * reads back from the database), and {@link #read(JsonParser)} straight from a token stream,
 * without building the tree (the sink, for every record it writes).
 */
public final class CanonicalJson {

    public static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private CanonicalJson() {
    }

    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The canonical text; SQL NULL and JSON null both give {@code null}. */
    public static String of(JsonNode node) {
        StringBuilder out = new StringBuilder();
        write(node, out);
        return out.toString();
    }

    /** The canonical text of a JSON text, read as a token stream: what {@code of(parse(json))} gives. */
    public static String ofText(String json) throws IOException {
        try (JsonParser parser = MAPPER.getFactory().createParser(json)) {
            parser.nextToken();
            return read(parser);
        }
    }

    /**
     * The canonical text of the value the parser is at (its current token), leaving the parser on
     * the value's last token. Gives what {@code of(parse(text))} gives, duplicate keys included
     * (the last one wins).
     */
    public static String read(JsonParser parser) throws IOException {
        StringBuilder out = new StringBuilder();
        read(parser, out);
        return out.toString();
    }

    /**
     * The members of the object the parser is at, by name (sorted), each value as canonical text;
     * a JSON {@code null} value is the text {@code "null"}.
     */
    public static SortedMap<String, String> readObject(JsonParser parser) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException("expected an object, found " + parser.currentToken());
        }
        SortedMap<String, String> members = new TreeMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            members.put(name, read(parser));
        }
        return members;
    }

    /** The canonical text of an object whose members are already canonical ({@link #readObject}). */
    public static String ofMembers(SortedMap<String, String> members) {
        StringBuilder out = new StringBuilder();
        appendMembers(members, out);
        return out.toString();
    }

    private static void appendMembers(SortedMap<String, String> members, StringBuilder out) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, String> member : members.entrySet()) {
            if (!first) {
                out.append(',');
            }
            string(member.getKey(), out);
            out.append(':').append(member.getValue());
            first = false;
        }
        out.append('}');
    }

    private static void read(JsonParser parser, StringBuilder out) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == null) {
            throw new IOException("unexpected end of input");
        }
        switch (token) {
            case START_OBJECT -> appendMembers(readObject(parser), out);
            case START_ARRAY -> {
                out.append('[');
                boolean first = true;
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    if (!first) {
                        out.append(',');
                    }
                    read(parser, out);
                    first = false;
                }
                out.append(']');
            }
            case VALUE_NUMBER_INT -> {
                switch (parser.getNumberType()) {
                    case INT -> out.append(parser.getIntValue());
                    case LONG -> out.append(parser.getLongValue());
                    default -> out.append(parser.getBigIntegerValue());
                }
            }
            case VALUE_NUMBER_FLOAT -> decimal(parser.getDecimalValue(), out);
            case VALUE_TRUE -> out.append("true");
            case VALUE_FALSE -> out.append("false");
            case VALUE_NULL -> out.append("null");
            case VALUE_STRING -> string(parser.getText(), out);
            default -> throw new IOException("unexpected " + token);
        }
    }

    private static void decimal(BigDecimal value, StringBuilder out) {
        out.append(value.signum() == 0 ? "0" : value.stripTrailingZeros().toPlainString());
    }

    private static void write(JsonNode node, StringBuilder out) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            out.append("null");
        } else if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            out.append('{');
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                string(names.get(i), out);
                out.append(':');
                write(node.get(names.get(i)), out);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            Iterator<JsonNode> items = node.elements();
            boolean first = true;
            while (items.hasNext()) {
                if (!first) {
                    out.append(',');
                }
                write(items.next(), out);
                first = false;
            }
            out.append(']');
        } else if (node.isIntegralNumber()) {
            // Integers are already canonical (what the decimal path below gives them, without its cost).
            out.append(node.asText());
        } else if (node.isNumber()) {
            decimal(node.decimalValue(), out);
        } else if (node.isBoolean()) {
            out.append(node.booleanValue());
        } else {
            string(node.asText(), out);
        }
    }

    private static void string(String text, StringBuilder out) {
        out.append('"').append(JsonStringEncoder.getInstance().quoteAsString(text)).append('"');
    }
}
