package io.kairos.frontend.auth;

import io.kairos.common.config.AuthorizationConfig;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.kairos.frontend.auth.TestKeys.b64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Temporal's default JWT claim mapper: what it accepts and each way a token is refused. */
class JwtClaimMapperTest {
    private static final TestKeys.Key RSA = TestKeys.rsa("rsa-1");
    private static final TestKeys.Key EC = TestKeys.ec("ec-1");
    private static final TestKeys.Key OTHER_RSA_SAME_KID = new TestKeys.Key("rsa-1", "RS256", TestKeys.rsa("x").pair());

    private static JwtClaimMapper mapper(String audience, String claimName, String regex) {
        JwksKeyProvider keys = new JwksKeyProvider(List.of("https://idp.example/certs"), Duration.ZERO,
                uri -> TestKeys.jwks(RSA, EC), System::nanoTime);
        AuthorizationConfig config = new AuthorizationConfig(List.of("https://idp.example/certs"), Duration.ZERO,
                claimName, regex, audience, "default", "default", null, null);
        return new JwtClaimMapper(keys, config, Clock.systemUTC());
    }

    private static final JwtClaimMapper MAPPER = mapper(null, null, null);

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private static void refused(JwtClaimMapper m, String header) {
        assertThrows(JwtClaimMapper.TokenRejected.class, () -> m.claims(header), header);
    }

    private static void refused(String header) {
        refused(MAPPER, header);
    }

    private static Claims accepted(String header) throws Exception {
        return MAPPER.claims(header);
    }

    @Test
    void mapsPermissionsToRoleBits() throws Exception {
        Claims c = accepted("Bearer " + RSA.token(TestKeys.claims("alice", 300, "ns1:read", "ns1:Worker", "ns2:WRITE",
                "temporal-system:admin", "ns3:bogus", "no-colon", "ns4:admin:extra")));
        assertEquals("alice", c.subject());
        assertEquals(Claims.ROLE_ADMIN, c.system());
        assertEquals(Map.of("ns1", Claims.ROLE_READER | Claims.ROLE_WORKER, "ns2", Claims.ROLE_WRITER, "ns3", 0, "ns4", 0),
                c.namespaces());
    }

    @Test
    void es256AndAnySchemeCase() throws Exception {
        assertEquals("bob", accepted("bearer " + EC.token(TestKeys.claims("bob", 300, "default:write"))).subject());
        assertEquals(Claims.ROLE_WRITER, accepted("BEARER " + EC.token(TestKeys.claims("bob", 300, "default:write")))
                .namespaceRole("default"));
    }

    @Test
    void permissionsOfOtherShapesAreIgnored() throws Exception {
        String token = RSA.token("{\"sub\":\"a\",\"permissions\":[42,null,{\"x\":1},[\"ns:read\"],\"ns:read\"]}");
        assertEquals(Map.of("ns", Claims.ROLE_READER), accepted("Bearer " + token).namespaces());
        Claims notArray = accepted("Bearer " + RSA.token("{\"sub\":\"a\",\"permissions\":\"ns:admin\"}"));
        assertEquals(Map.of(), notArray.namespaces());
        assertEquals(0, notArray.system());
    }

    @Test
    void namespaceNamesAreCaseSensitiveAndSystemIsExact() throws Exception {
        Claims c = accepted("Bearer " + RSA.token(TestKeys.claims("a", 300, "NS1:read", "Temporal-System:admin")));
        assertEquals(0, c.namespaceRole("ns1"));
        assertEquals(0, c.system());
        assertEquals(Claims.ROLE_ADMIN, c.namespaceRole("Temporal-System"));
    }

    @Test
    void customClaimNameAndRegex() throws Exception {
        JwtClaimMapper m = mapper(null, "groups", "^(?P<role>\\w+)@(?P<namespace>[\\w-]+)$");
        Claims c = m.claims("Bearer " + RSA.token("{\"sub\":\"a\",\"groups\":[\"admin@temporal-system\",\"read@ns1\","
                + "\"ns2:write\"],\"permissions\":[\"ns9:admin\"]}"));
        assertEquals(Claims.ROLE_ADMIN, c.system());
        assertEquals(Map.of("ns1", Claims.ROLE_READER), c.namespaces());
    }

    @Test
    void headerShape() {
        String token = RSA.token(TestKeys.claims("a", 300));
        refused(token);
        refused("Basic " + token);
        refused("Bearer  " + token);
        refused("Bearer " + token + " ");
        refused("Bearer");
        refused("Bearer ");
    }

    @Test
    void malformedTokens() {
        String h = b64("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}");
        String p = b64(TestKeys.claims("a", 300));
        String good = RSA.token(TestKeys.claims("a", 300));
        refused("Bearer " + h + "." + p);
        refused("Bearer " + good + ".x");
        refused("Bearer " + good.replace(".", ".."));
        refused("Bearer !!!." + p + ".sig");
        refused("Bearer " + b64("not json") + "." + p + ".sig");
        refused("Bearer " + b64("[1]") + "." + p + ".sig");
        refused("Bearer " + b64("null") + "." + p + ".sig");
        refused("Bearer " + RSA.sign("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"} x", TestKeys.claims("a", 300)));
        refused("Bearer " + RSA.sign("{alg:\"RS256\",kid:\"rsa-1\"}", TestKeys.claims("a", 300)));
        // Padding, which golang-jwt refuses too.
        String[] parts = good.split("\\.");
        refused("Bearer " + parts[0] + "=." + parts[1] + "." + parts[2]);
        refused("Bearer " + "a".repeat(300_000));
        // Deeply nested JSON is still JSON (Go reads 10,000 levels): accepted or refused, never an error.
        for (int depth : new int[]{3000, 20_000}) {
            String deep = "[".repeat(depth) + "]".repeat(depth);
            try {
                MAPPER.claims("Bearer " + RSA.sign("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", "{\"sub\":\"a\",\"x\":" + deep + "}"));
            } catch (JwtClaimMapper.TokenRejected expected) {
                // too long, or too deep
            }
        }
    }

    @Test
    void onlyRs256AndEs256() throws Exception {
        String claims = TestKeys.claims("a", 300, "ns:admin");
        refused("Bearer " + b64("{\"alg\":\"none\",\"kid\":\"rsa-1\"}") + "." + b64(claims) + ".");
        refused("Bearer " + b64("{\"alg\":\"none\"}") + "." + b64(claims) + ".");
        refused("Bearer " + RSA.sign("{\"alg\":\"rs256\",\"kid\":\"rsa-1\"}", claims));
        refused("Bearer " + RSA.sign("{\"kid\":\"rsa-1\"}", claims));
        refused("Bearer " + RSA.sign("{\"alg\":256,\"kid\":\"rsa-1\"}", claims));
        // HS256 keyed with the public RSA key's bytes: the classic algorithm confusion.
        String input = b64("{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}") + "." + b64(claims);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(RSA.pair().getPublic().getEncoded(), "HmacSHA256"));
        refused("Bearer " + input + "." + b64(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII))));
        // PS256 and ES384 headers over valid signatures of another algorithm.
        refused("Bearer " + RSA.sign("{\"alg\":\"PS256\",\"kid\":\"rsa-1\"}", claims));
        refused("Bearer " + EC.sign("{\"alg\":\"ES384\",\"kid\":\"ec-1\"}", claims));
    }

    @Test
    void keysAndSignatures() {
        String claims = TestKeys.claims("a", 300);
        refused("Bearer " + RSA.sign("{\"alg\":\"RS256\"}", claims));
        refused("Bearer " + RSA.sign("{\"alg\":\"RS256\",\"kid\":7}", claims));
        refused("Bearer " + RSA.sign("{\"alg\":\"RS256\",\"kid\":\"unknown\"}", claims));
        // An RS256 token naming the EC key's id, and the other way round.
        refused("Bearer " + RSA.sign("{\"alg\":\"RS256\",\"kid\":\"ec-1\"}", claims));
        refused("Bearer " + EC.sign("{\"alg\":\"ES256\",\"kid\":\"rsa-1\"}", claims));
        refused("Bearer " + OTHER_RSA_SAME_KID.token(claims));
        String good = RSA.token(claims);
        String[] parts = good.split("\\.");
        refused("Bearer " + parts[0] + "." + b64(TestKeys.claims("mallory", 300, "temporal-system:admin")) + "." + parts[2]);
        refused("Bearer " + parts[0] + "." + parts[1] + ".");
        String ec = EC.token(claims);
        refused("Bearer " + ec.substring(0, ec.lastIndexOf('.') + 1) + b64(new byte[63]));
        refused("Bearer " + ec.substring(0, ec.lastIndexOf('.') + 1) + b64(new byte[64]));
    }

    @Test
    void expiryAndNotBefore() throws Exception {
        refused("Bearer " + RSA.token(TestKeys.claims("a", -60)));
        accepted("Bearer " + RSA.token(TestKeys.claims("a", -2)));
        refused("Bearer " + RSA.token("{\"sub\":\"a\",\"exp\":\"" + (now() + 300) + "\"}"));
        refused("Bearer " + RSA.token("{\"sub\":\"a\",\"exp\":null}"));
        refused("Bearer " + RSA.token("{\"sub\":\"a\",\"exp\":true}"));
        refused("Bearer " + RSA.token("{\"sub\":\"a\",\"exp\":1e400}"));
        refused("Bearer " + RSA.token("{\"sub\":\"a\",\"exp\":-1}"));
        // Without exp (or exp 0, which golang-jwt reads as absent) a token does not expire, as in Temporal.
        accepted("Bearer " + RSA.token("{\"sub\":\"a\"}"));
        accepted("Bearer " + RSA.token("{\"sub\":\"a\",\"exp\":0}"));
        accepted("Bearer " + RSA.token("{\"sub\":\"a\",\"exp\":" + (now() + 300) + ".75}"));
        refused("Bearer " + RSA.token("{\"sub\":\"a\",\"nbf\":" + (now() + 60) + "}"));
        accepted("Bearer " + RSA.token("{\"sub\":\"a\",\"nbf\":" + (now() + 2) + "}"));
        refused("Bearer " + RSA.token("{\"sub\":\"a\",\"nbf\":\"soon\"}"));
        // iat is not checked (golang-jwt v5 does not by default).
        accepted("Bearer " + RSA.token("{\"sub\":\"a\",\"iat\":\"whenever\"}"));
    }

    @Test
    void subjectMustBeAString() throws Exception {
        refused("Bearer " + RSA.token("{\"exp\":" + (now() + 300) + "}"));
        refused("Bearer " + RSA.token("{\"sub\":42}"));
        refused("Bearer " + RSA.token("{\"sub\":null}"));
        refused("Bearer " + RSA.token("{\"sub\":[\"a\"]}"));
        refused("Bearer " + RSA.token("null"));
        refused("Bearer " + RSA.token("[\"sub\"]"));
        refused("Bearer " + RSA.token("\"sub\""));
        assertEquals("", accepted("Bearer " + RSA.token("{\"sub\":\"\"}")).subject());
        assertEquals("ü ☃", accepted("Bearer " + RSA.token("{\"sub\":\"ü ☃\"}")).subject());
    }

    @Test
    void audienceWhenConfigured() throws Exception {
        JwtClaimMapper m = mapper("temporal", null, null);
        m.claims("Bearer " + RSA.token("{\"sub\":\"a\",\"aud\":\"temporal\"}"));
        m.claims("Bearer " + RSA.token("{\"sub\":\"a\",\"aud\":[\"account\",\"temporal\"]}"));
        refused(m, "Bearer " + RSA.token("{\"sub\":\"a\"}"));
        refused(m, "Bearer " + RSA.token("{\"sub\":\"a\",\"aud\":\"account\"}"));
        refused(m, "Bearer " + RSA.token("{\"sub\":\"a\",\"aud\":[]}"));
        refused(m, "Bearer " + RSA.token("{\"sub\":\"a\",\"aud\":[\"temporal\",1]}"));
        refused(m, "Bearer " + RSA.token("{\"sub\":\"a\",\"aud\":{\"temporal\":true}}"));
        refused(m, "Bearer " + RSA.token("{\"sub\":\"a\",\"aud\":\"Temporal\"}"));
        // Not configured: aud is not looked at.
        accepted("Bearer " + RSA.token("{\"sub\":\"a\",\"aud\":{\"x\":1}}"));
    }
}
