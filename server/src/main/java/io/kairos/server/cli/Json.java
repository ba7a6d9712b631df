package io.kairos.server.cli;

import java.util.List;
import java.util.Map;

/**
 * A minimal pretty-printing JSON writer for command output: maps (in their iteration order), lists, strings,
 * numbers, booleans and null.
 */
public final class Json {
    private Json() {
    }

    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(value, sb, 0);
        return sb.append('\n').toString();
    }

    private static void write(Object v, StringBuilder sb, int indent) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> string(s, sb);
            case Boolean b -> sb.append(b);
            case Integer n -> sb.append(n);
            case Long n -> sb.append(n);
            case Map<?, ?> m -> object(m, sb, indent);
            case List<?> l -> array(l, sb, indent);
            default -> throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
        }
    }

    private static void object(Map<?, ?> m, StringBuilder sb, int indent) {
        if (m.isEmpty()) {
            sb.append("{}");
            return;
        }
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            sb.append(first ? "\n" : ",\n");
            first = false;
            newlineIndent(sb, indent + 1);
            string(String.valueOf(e.getKey()), sb);
            sb.append(": ");
            write(e.getValue(), sb, indent + 1);
        }
        sb.append('\n');
        newlineIndent(sb, indent);
        sb.append('}');
    }

    private static void array(List<?> l, StringBuilder sb, int indent) {
        if (l.isEmpty()) {
            sb.append("[]");
            return;
        }
        // short lists of numbers stay on one line ("shards": [1, 2, 3])
        if (l.stream().allMatch(x -> x instanceof Integer || x instanceof Long)) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(l.get(i));
            }
            sb.append(']');
            return;
        }
        sb.append('[');
        for (int i = 0; i < l.size(); i++) {
            sb.append(i == 0 ? "\n" : ",\n");
            newlineIndent(sb, indent + 1);
            write(l.get(i), sb, indent + 1);
        }
        sb.append('\n');
        newlineIndent(sb, indent);
        sb.append(']');
    }

    private static void newlineIndent(StringBuilder sb, int indent) {
        sb.append("  ".repeat(indent));
    }

    /** Appends s as a JSON string literal. */
    public static void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
