package io.kairos.frontend.auth;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.kairos.common.config.AuthorizationConfig;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Temporal's default JWT claim mapper (default_jwt_claim_mapper.go) with its default key provider: the header value is
 * {@code Bearer <jwt>} (scheme in any case), the JWT is an RS256 or ES256 JWS whose {@code kid} names a key of the
 * JWKS, {@code exp} and {@code nbf} hold, {@code aud} contains the configured audience, and {@code sub} is a string.
 * The permissions claim is an array of {@code <namespace>:<role>} strings (or what permissionsRegex matches); entries
 * of other shapes are skipped, and {@code temporal-system:<role>} is the system role.
 */
public final class JwtClaimMapper {
    /**
     * Tolerance for clocks that disagree a little with the token issuer's. Temporal allows none; a few seconds keep a
     * fresh token from being refused by a server whose clock is slightly behind.
     */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(5);
    /** The frontend's header limit (256 KiB) cuts earlier; this bounds what a direct caller can make us parse. */
    private static final int MAX_TOKEN_CHARS = 256 * 1024;

    /** Why a token is refused: for the log and tests, never for the caller, and never containing the token. */
    public static final class TokenRejected extends Exception {
        public TokenRejected(String reason) {
            super(reason, null, false, false);
        }
    }

    private final JwksKeyProvider keys;
    private final String permissionsClaim;
    private final Pattern permissionsRegex;
    private final String audience;
    private final Clock clock;

    public JwtClaimMapper(JwksKeyProvider keys, AuthorizationConfig config, Clock clock) {
        this.keys = keys;
        this.permissionsClaim = config.permissionsClaimName();
        this.permissionsRegex = config.permissionsRegex() == null ? null
                : AuthorizationConfig.compilePermissionsRegex(config.permissionsRegex());
        this.audience = config.audience();
        this.clock = clock;
    }

    /** The claims of an authorization header value. */
    public Claims claims(String authorization) throws TokenRejected {
        int space = authorization.indexOf(' ');
        if (space < 0) {
            throw new TokenRejected("unexpected authorization token format");
        }
        if (!authorization.substring(0, space).equalsIgnoreCase("bearer")) {
            throw new TokenRejected("unexpected name in authorization token");
        }
        JsonObject claims;
        try {
            claims = verifiedClaims(authorization.substring(space + 1));
        } catch (RuntimeException e) {
            // Bad base64 or JSON; the message could quote the token, so only the kind is kept.
            throw new TokenRejected("malformed token (" + e.getClass().getSimpleName() + ")");
        }
        String subject = claims == null ? null : Json.string(claims, "sub");
        if (subject == null) {
            throw new TokenRejected("the sub claim is not a string");
        }
        int system = 0;
        Map<String, Integer> namespaces = new HashMap<>();
        if (claims.get(permissionsClaim) instanceof JsonArray permissions) {
            for (JsonElement p : permissions) {
                if (!(p instanceof JsonPrimitive s) || !s.isString()) {
                    continue;
                }
                String[] nsAndRole = split(s.getAsString());
                if (nsAndRole == null) {
                    continue;
                }
                int role = Claims.role(nsAndRole[1]);
                if (nsAndRole[0].equals(Claims.SYSTEM_NAMESPACE)) {
                    system |= role;
                } else {
                    namespaces.merge(nsAndRole[0], role, (a, b) -> a | b);
                }
            }
        }
        return new Claims(subject, system, namespaces);
    }

    /** {namespace, role} of one permission, or null when it has neither shape. */
    private String[] split(String permission) {
        if (permissionsRegex != null) {
            Matcher m = permissionsRegex.matcher(permission);
            if (!m.find()) {
                return null;
            }
            return new String[]{nullToEmpty(m.group("namespace")), nullToEmpty(m.group("role"))};
        }
        int colon = permission.indexOf(':');
        return colon < 0 ? null : new String[]{permission.substring(0, colon), permission.substring(colon + 1)};
    }

    /** The payload of a JWS that verifies with a JWKS key and whose time and audience claims hold; null for "null". */
    private JsonObject verifiedClaims(String token) throws TokenRejected {
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new TokenRejected("token too long");
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw new TokenRejected("token is malformed: not three segments");
        }
        JsonObject header = Json.object(decode(parts[0]));
        String alg = header == null ? null : Json.string(header, "alg");
        // Temporal's default key provider supports exactly these; "none", HS* and the rest are refused.
        if (!"RS256".equals(alg) && !"ES256".equals(alg)) {
            throw new TokenRejected("signing method is not RS256 or ES256");
        }
        JsonObject claims = Json.object(decode(parts[1]));
        String kid = Json.string(header, "kid");
        if (kid == null) {
            throw new TokenRejected("malformed token: no kid header");
        }
        PublicKey key = alg.equals("RS256") ? keys.rsaKey(kid) : keys.ecKey(kid);
        if (key == null) {
            throw new TokenRejected("no " + (alg.equals("RS256") ? "RSA" : "ECDSA") + " key with the token's key id");
        }
        byte[] signature = Base64.getUrlDecoder().decode(unpadded(parts[2]));
        byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
        if (!verifies(alg, key, signed, signature)) {
            throw new TokenRejected("signature is invalid");
        }
        checkTimes(claims);
        if (audience != null && !audiences(claims).contains(audience)) {
            throw new TokenRejected("token has an invalid audience");
        }
        return claims;
    }

    private static boolean verifies(String alg, PublicKey key, byte[] signed, byte[] signature) {
        try {
            Signature s;
            if (alg.equals("RS256")) {
                s = Signature.getInstance("SHA256withRSA");
            } else {
                // JWS carries r||s (IEEE P1363), 32 bytes each for P-256.
                if (signature.length != 64) {
                    return false;
                }
                s = Signature.getInstance("SHA256withECDSAinP1363Format");
            }
            s.initVerify(key);
            s.update(signed);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private void checkTimes(JsonObject claims) throws TokenRejected {
        if (claims == null) {
            return;
        }
        double now = clock.millis() / 1000.0;
        double skew = CLOCK_SKEW.toSeconds();
        Double exp = numericDate(claims, "exp");
        if (exp != null && !(now < exp + skew)) {
            throw new TokenRejected("token is expired");
        }
        Double nbf = numericDate(claims, "nbf");
        if (nbf != null && now < nbf - skew) {
            throw new TokenRejected("token is not valid yet");
        }
    }

    /**
     * A NumericDate claim in whole seconds, or null when absent. As golang-jwt reads it: any other JSON type (null
     * included) is an invalid token, and 0 counts as absent.
     */
    private static Double numericDate(JsonObject claims, String name) throws TokenRejected {
        if (!claims.has(name)) {
            return null;
        }
        if (!(claims.get(name) instanceof JsonPrimitive p) || !p.isNumber()) {
            throw new TokenRejected("invalid type for claim " + name);
        }
        double v = p.getAsDouble();
        if (!Double.isFinite(v)) {
            throw new TokenRejected("invalid value for claim " + name);
        }
        return v == 0 ? null : Math.floor(v);
    }

    /** The aud claim: a string or an array of strings (anything else is an invalid token). */
    private static List<String> audiences(JsonObject claims) throws TokenRejected {
        JsonElement aud = claims == null ? null : claims.get("aud");
        List<String> out = new ArrayList<>();
        if (aud == null || aud.isJsonNull()) {
            return out;
        }
        if (aud instanceof JsonPrimitive p && p.isString()) {
            out.add(p.getAsString());
            return out;
        }
        if (aud instanceof JsonArray a) {
            for (JsonElement e : a) {
                if (!(e instanceof JsonPrimitive p) || !p.isString()) {
                    throw new TokenRejected("invalid type for claim aud");
                }
                out.add(p.getAsString());
            }
            return out;
        }
        throw new TokenRejected("invalid type for claim aud");
    }

    private static String decode(String segment) {
        return new String(Base64.getUrlDecoder().decode(unpadded(segment)), StandardCharsets.UTF_8);
    }

    /** JWS segments are unpadded base64url; golang-jwt refuses padding, and so does this. */
    private static String unpadded(String segment) {
        if (segment.indexOf('=') >= 0) {
            throw new IllegalArgumentException("padded segment");
        }
        return segment;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
