package io.kairos.frontend.auth;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Signing keys, their JWKS and signed tokens, made with the JDK alone. */
final class TestKeys {
    record Key(String kid, String alg, KeyPair pair) {
        String jwk() {
            if (alg.equals("RS256")) {
                RSAPublicKey k = (RSAPublicKey) pair.getPublic();
                return "{\"kty\":\"RSA\",\"kid\":\"%s\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\"%s\",\"e\":\"%s\"}"
                        .formatted(kid, b64(unsigned(k.getModulus())), b64(unsigned(k.getPublicExponent())));
            }
            ECPublicKey k = (ECPublicKey) pair.getPublic();
            return "{\"kty\":\"EC\",\"kid\":\"%s\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}"
                    .formatted(kid, b64(fixed(k.getW().getAffineX())), b64(fixed(k.getW().getAffineY())));
        }

        /** A compact JWS of these claims with header {alg, kid, typ}. */
        String token(String claimsJson) {
            return sign("{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"JWT\"}".formatted(alg, kid), claimsJson);
        }

        String sign(String headerJson, String claimsJson) {
            String input = b64(headerJson.getBytes(StandardCharsets.UTF_8)) + "." + b64(claimsJson.getBytes(StandardCharsets.UTF_8));
            return input + "." + b64(signature(alg, pair.getPrivate(), input));
        }
    }

    private TestKeys() {
    }

    static Key rsa(String kid) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return new Key(kid, "RS256", g.generateKeyPair());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Key ec(String kid) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return new Key(kid, "ES256", g.generateKeyPair());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String jwks(Key... keys) {
        return Stream.of(keys).map(Key::jwk).collect(Collectors.joining(",", "{\"keys\":[", "]}"));
    }

    static byte[] signature(String alg, PrivateKey key, String input) {
        try {
            Signature s = Signature.getInstance(alg.equals("RS256") ? "SHA256withRSA" : "SHA256withECDSAinP1363Format");
            s.initSign(key);
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return s.sign();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Claims with sub, exp (seconds from now) and permissions. */
    static String claims(String sub, long expInSeconds, String... permissions) {
        String perms = Stream.of(permissions).map(p -> "\"" + p + "\"").collect(Collectors.joining(",", "[", "]"));
        return "{\"sub\":\"%s\",\"exp\":%d,\"permissions\":%s}".formatted(sub,
                System.currentTimeMillis() / 1000 + expInSeconds, perms);
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String b64(String text) {
        return b64(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] unsigned(BigInteger v) {
        byte[] b = v.toByteArray();
        return b[0] == 0 && b.length > 1 ? Arrays.copyOfRange(b, 1, b.length) : b;
    }

    private static byte[] fixed(BigInteger v) {
        byte[] b = unsigned(v);
        byte[] out = new byte[32];
        System.arraycopy(b, 0, out, 32 - b.length, b.length);
        return out;
    }
}
