package io.kairos.e2e.auth;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Malformed authorization header values from a seeded generator: garbage, broken base64, wrong and missing algorithms,
 * "none", oversized tokens, non-JSON parts, wrongly typed claims and unicode, some of them signed with the real key
 * so that only the claim checks can refuse them. None grants a role in any namespace.
 */
final class TokenFuzz {
    /** In some values, to check that nothing of a refused header reaches the server log. */
    static final String MARKER = "FUZZMARKER";

    private final Random random;
    private final Jwks.Key key;
    private final Jwks.Key stranger;
    private final String audience;

    TokenFuzz(long seed, Jwks.Key key, Jwks.Key stranger, String audience) {
        this.random = new Random(seed);
        this.key = key;
        this.stranger = stranger;
        this.audience = audience;
    }

    /** The next header value, as raw bytes (printable ASCII or UTF-8; never CR, LF or NUL, which HTTP/2 forbids). */
    byte[] next() {
        String v = switch (random.nextInt(16)) {
            case 0 -> garbage(random.nextInt(300));
            case 1 -> "Bearer " + garbage(random.nextInt(300));
            case 2 -> truncated();
            case 3 -> flipped();
            case 4 -> "Bearer " + b64Random() + "." + b64Random() + "." + b64Random();
            case 5 -> "Bearer " + Jwks.b64(pick(ALGS)) + "." + Jwks.b64(validClaims()) + "." + b64Random();
            case 6 -> "Bearer " + key.sign(pick(ALGS), validClaims());
            case 7 -> "Bearer " + key.sign(header(), pick(BAD_PAYLOADS));
            case 8 -> "Bearer " + key.sign(header(), badlyTypedClaims());
            case 9 -> "Bearer " + stranger.token(validClaims());
            case 10 -> huge();
            case 11 -> pick(List.of("Bearer", "Bearer ", "bearer", "Basic dXNlcjpwYXNz", "Bearer  " + key.token(validClaims()),
                    key.token(validClaims()), "Token " + key.token(validClaims()), "Bearer " + key.token(validClaims()) + " x",
                    "Bearer " + key.token(validClaims()).replace('.', ' ')));
            case 12 -> "Bearer " + key.sign(header(), unicodeClaims());
            case 13 -> "Bearer " + unicode(random.nextInt(80));
            case 14 -> "Bearer " + key.sign(header(), validClaims().replace("\"exp\":", "\"exp\":-"));
            default -> "Bearer " + Jwks.b64(header()) + "." + Jwks.b64(validClaims()) + (random.nextBoolean() ? "." : "");
        };
        return v.getBytes(StandardCharsets.UTF_8);
    }

    private static final List<String> ALGS = List.of(
            "{\"alg\":\"none\",\"kid\":\"k\"}", "{\"alg\":\"none\"}", "{\"alg\":\"HS256\",\"kid\":\"rsa-main\"}",
            "{\"alg\":\"RS512\",\"kid\":\"rsa-main\"}", "{\"alg\":\"ES384\",\"kid\":\"rsa-main\"}",
            "{\"alg\":\"PS256\",\"kid\":\"rsa-main\"}", "{\"alg\":\"rs256\",\"kid\":\"rsa-main\"}",
            "{\"alg\":\"RS256 \",\"kid\":\"rsa-main\"}", "{\"alg\":null,\"kid\":\"rsa-main\"}", "{\"alg\":[\"RS256\"]}",
            "{\"kid\":\"rsa-main\"}", "{\"alg\":\"RS256\"}", "{\"alg\":\"RS256\",\"kid\":42}",
            "{\"alg\":\"RS256\",\"kid\":\"" + MARKER + "-unknown\"}", "{\"alg\":\"ES256\",\"kid\":\"rsa-main\"}",
            "{\"alg\":\"RS256\",\"kid\":\"rsa-main\",\"crit\":[\"exp\"]}", "[]", "null", "\"RS256\"", "{");

    private static final List<String> BAD_PAYLOADS = List.of(
            "", "null", "[]", "42", "\"sub\"", "{", "{\"sub\":\"a\"", "{\"sub\":\"a\"}}", "{'sub':'a'}", "{sub:\"a\"}",
            "{\"sub\":\"a\",}", "not json at all " + MARKER, "{\"sub\":\"a\"} trailing", "\u0000", "{\"sub\":\"\\ud800\"}");

    private String header() {
        return "{\"alg\":\"" + key.alg() + "\",\"kid\":\"" + key.kid() + "\",\"typ\":\"JWT\"}";
    }

    /** Well-formed claims without any role: a token that verifies is still refused by the authorizer. */
    private String validClaims() {
        return Jwks.claims("fuzz-" + random.nextInt(1000), 300, audience, "other-namespace:admin");
    }

    private String badlyTypedClaims() {
        long exp = System.currentTimeMillis() / 1000 + 300;
        String sub = pick(List.of("42", "null", "true", "[\"ns1\"]", "{\"id\":1}", "\"ok\""));
        String expV = pick(List.of("\"" + exp + "\"", "null", "true", "[" + exp + "]", "{}", "1e400", "-1", "" + exp));
        String aud = pick(List.of("1", "[1]", "null", "{}", "[\"" + audience + "\",2]", "\"elsewhere\"", "[]",
                "\"" + audience + "\""));
        String perms = pick(List.of("\"ns1:admin\"", "[1,2]", "{\"ns1\":\"admin\"}", "[[\"ns1:admin\"]]", "null", "[\"ns1:none\"]"));
        String nbf = pick(List.of("", ",\"nbf\":\"now\"", ",\"nbf\":" + (exp + 3600), ",\"nbf\":null"));
        // No permissions value grants a role that reads or writes ns1, so even a token whose other claims hold is refused.
        return "{\"sub\":%s,\"exp\":%s,\"aud\":%s,\"permissions\":%s%s}".formatted(sub, expV, aud, perms, nbf);
    }

    private String unicodeClaims() {
        return "{\"sub\":\"%s\",\"exp\":%d,\"aud\":\"%s\",\"permissions\":[\"%s:admin\",\"ns1\u0000:write\",\"ns1 :read\"]}"
                .formatted(unicode(10), System.currentTimeMillis() / 1000 + 300, audience, unicode(5));
    }

    private String truncated() {
        String t = key.token(validClaims());
        return "Bearer " + t.substring(0, random.nextInt(t.length()));
    }

    private String flipped() {
        // No role: a flip in the signature's unused trailing bits leaves a valid token (Go decodes it the same way).
        char[] t = key.token(Jwks.claims("flip", 300, audience, "other-namespace:admin")).toCharArray();
        int i = random.nextInt(t.length);
        char c = t[i];
        // A change that keeps the token's characters base64url (or the dots): only the signature check can refuse it.
        t[i] = c == '.' ? 'A' : (c == 'A' ? 'B' : 'A');
        return "Bearer " + new String(t);
    }

    private String huge() {
        int size = 8_000 + random.nextInt(60_000);
        return switch (random.nextInt(3)) {
            case 0 -> "Bearer " + garbage(size);
            case 1 -> "Bearer " + key.sign(header(), "{\"sub\":\"big\",\"exp\":" + (System.currentTimeMillis() / 1000 + 300)
                    + ",\"aud\":\"" + audience + "\",\"permissions\":[\"" + "x".repeat(size) + ":admin\"]}");
            default -> "Bearer " + b64Random() + "." + Jwks.b64(new byte[size]) + "." + b64Random();
        };
    }

    private String b64Random() {
        byte[] b = new byte[random.nextInt(200)];
        random.nextBytes(b);
        return Jwks.b64(b);
    }

    /** Printable ASCII with a marker now and then. */
    private String garbage(int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append((char) (0x20 + random.nextInt(0x7f - 0x20)));
        }
        if (random.nextInt(4) == 0) {
            sb.insert(sb.length() / 2, MARKER);
        }
        return sb.toString();
    }

    private String unicode(int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int cp;
            do {
                cp = switch (random.nextInt(4)) {
                    case 0 -> 0xA0 + random.nextInt(0x700);
                    case 1 -> 0x4E00 + random.nextInt(0x5000);
                    case 2 -> 0x1F300 + random.nextInt(0x300);
                    default -> 0x21 + random.nextInt(0x5d);
                };
            } while (cp == '"' || cp == '\\');
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private <T> T pick(List<T> options) {
        return options.get(random.nextInt(options.size()));
    }
}
