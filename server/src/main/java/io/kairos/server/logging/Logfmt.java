package io.kairos.server.logging;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads the server's logfmt messages ({@code key=value key="quoted \"value\""}) into ordered fields. */
final class Logfmt {
    private Logfmt() {
    }

    /**
     * The pairs of a message, in order. Text that is not a pair is kept, space-joined, under "msg" (after a msg pair
     * if there is one), so no part of a message is lost.
     */
    static Map<String, String> parse(String message) {
        Map<String, String> out = new LinkedHashMap<>();
        StringBuilder loose = new StringBuilder();
        int i = 0;
        int n = message.length();
        while (i < n) {
            while (i < n && message.charAt(i) == ' ') {
                i++;
            }
            int start = i;
            while (i < n && isKeyChar(message.charAt(i))) {
                i++;
            }
            if (i > start && i < n && message.charAt(i) == '=') {
                String key = message.substring(start, i);
                i++;
                StringBuilder value = new StringBuilder();
                if (i < n && message.charAt(i) == '"') {
                    i++;
                    while (i < n && message.charAt(i) != '"') {
                        if (message.charAt(i) == '\\' && i + 1 < n) {
                            i++;
                        }
                        value.append(message.charAt(i++));
                    }
                    i++;
                } else {
                    while (i < n && message.charAt(i) != ' ') {
                        value.append(message.charAt(i++));
                    }
                }
                out.put(key, value.toString());
            } else {
                i = start;
                while (i < n && message.charAt(i) != ' ') {
                    i++;
                }
                if (i > start) {
                    loose.append(loose.isEmpty() ? "" : " ").append(message, start, i);
                }
            }
        }
        if (!loose.isEmpty()) {
            out.merge("msg", loose.toString(), (had, more) -> had + " " + more);
        }
        return out;
    }

    private static boolean isKeyChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-';
    }
}
