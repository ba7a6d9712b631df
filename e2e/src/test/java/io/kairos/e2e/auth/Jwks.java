package io.kairos.e2e.auth;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An identity provider for tests: signing keys made with the JDK, their JWKS served over HTTP at Keycloak's certs
 * path (the test swaps the document to rotate keys), and tokens signed with them.
 */
public final class Jwks implements AutoCloseable {
    static final String PATH = "/realms/kairos/protocol/openid-connect/certs";

    public record Key(String kid, String alg, KeyPair pair) {
        String jwk() {
            if (alg.equals("RS256")) {
                RSAPublicKey k = (RSAPublicKey) pair.getPublic();
                return "{\"kty\":\"RSA\",\"kid\":\"%s\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\"%s\",\"e\":\"%s\"}"
                        .formatted(kid, b64(unsigned(k.getModulus())), b64(unsigned(k.getPublicExponent())));
            }
            ECPublicKey k = (ECPublicKey) pair.getPublic();
            return "{\"kty\":\"EC\",\"kid\":\"%s\",\"use\":\"sig\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}"
                    .formatted(kid, b64(fixed32(k.getW().getAffineX())), b64(fixed32(k.getW().getAffineY())));
        }

        /** A compact JWS with header {alg, kid, typ} over these claims. */
        public String token(String claimsJson) {
            return sign("{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"JWT\"}".formatted(alg, kid), claimsJson);
        }

        String sign(String headerJson, String claimsJson) {
            String input = b64(headerJson.getBytes(StandardCharsets.UTF_8)) + "." + b64(claimsJson.getBytes(StandardCharsets.UTF_8));
            try {
                Signature s = Signature.getInstance(alg.equals("RS256") ? "SHA256withRSA" : "SHA256withECDSAinP1363Format");
                s.initSign(pair.getPrivate());
                s.update(input.getBytes(StandardCharsets.US_ASCII));
                return input + "." + b64(s.sign());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final HttpServer server;
    private final AtomicReference<String> document = new AtomicReference<>("{\"keys\":[]}");
    final AtomicInteger fetches = new AtomicInteger();

    public Jwks() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(PATH, ex -> {
            fetches.incrementAndGet();
            byte[] body = document.get().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    public String uri() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
    }

    /** Serves exactly these public keys from now on. */
    public void publish(List<Key> keys) {
        document.set(keys.stream().map(Key::jwk).collect(Collectors.joining(",", "{\"keys\":[", "]}")));
    }

    public static Key rsa(String kid) {
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

    /** Keycloak-shaped claims: sub, exp (seconds from now), aud and the permissions array. */
    public static String claims(String sub, long expiresIn, String audience, String... permissions) {
        long now = System.currentTimeMillis() / 1000;
        String perms = Stream.of(permissions).map(p -> "\"" + p + "\"").collect(Collectors.joining(",", "[", "]"));
        return "{\"iss\":\"http://keycloak/realms/kairos\",\"sub\":\"%s\",\"aud\":\"%s\",\"iat\":%d,\"exp\":%d,\"permissions\":%s}"
                .formatted(sub, audience, now, now + expiresIn, perms);
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

    private static byte[] fixed32(BigInteger v) {
        byte[] b = unsigned(v);
        byte[] out = new byte[32];
        System.arraycopy(b, 0, out, 32 - b.length, b.length);
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
