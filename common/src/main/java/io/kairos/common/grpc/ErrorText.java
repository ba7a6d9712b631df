package io.kairos.common.grpc;

/**
 * Bounds error messages so they fit in response headers. An error text travels twice: percent-encoded in
 * grpc-message (3 bytes per non-ASCII or '%' byte) and base64-encoded in grpc-status-details-bin; clients refuse
 * header blocks over 8 KiB (grpc-java's default), and then the caller sees a protocol error instead of the answer.
 */
public final class ErrorText {
    /** Header bytes one message may cost: about half of the 8 KiB, leaving room for details and other headers. */
    static final int BUDGET = 4000;
    private static final String ELLIPSIS = "…(truncated)";

    private ErrorText() {
    }

    /** The message cut at a code point boundary so that its header cost stays within the budget. */
    public static String bound(String message) {
        return bound(message, BUDGET);
    }

    /** As {@link #bound(String)} with a smaller budget, for texts that travel with others (multi-operation). */
    public static String bound(String message, int budget) {
        if (message == null) {
            return null;
        }
        message = wellFormed(message);
        if (message.length() * 13 <= budget) {
            return message;
        }
        int cost = 0;
        int keepUntil = 0;
        int limit = budget - cost(ELLIPSIS);
        for (int i = 0; i < message.length(); ) {
            int cp = message.codePointAt(i);
            cost += cost(cp);
            int next = i + Character.charCount(cp);
            if (cost > limit) {
                return message.substring(0, keepUntil) + ELLIPSIS;
            }
            keepUntil = next;
            i = next;
        }
        return message;
    }

    /** Unpaired surrogates (from a value cut in the wrong place) replaced: protobuf would refuse to encode them. */
    static String wellFormed(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(s.charAt(i + 1));
                }
                i++;
                continue;
            }
            if (Character.isSurrogate(c) && out == null) {
                out = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (out != null) {
                out.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return out == null ? s : out.toString();
    }

    private static int cost(String s) {
        return s.codePoints().map(ErrorText::cost).sum();
    }

    /** Percent-encoded length plus base64 length (4/3, rounded up) of one code point's UTF-8 bytes. */
    private static int cost(int cp) {
        int bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        boolean plain = cp >= 0x20 && cp < 0x7f && cp != '%';
        return (plain ? 1 : 3 * bytes) + (bytes * 4 + 2) / 3;
    }
}
