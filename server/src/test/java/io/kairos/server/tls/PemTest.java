package io.kairos.server.tls;

import io.kairos.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PemTest {
    private static final TestPki.Ca CA = new TestPki.Ca("pem-test");

    @TempDir
    Path dir;

    @Test
    void readsEveryKeyEncodingCertManagerWrites() {
        for (TestPki.KeyType type : TestPki.KeyType.values()) {
            TestPki.Issued leaf = CA.issue("leaf", List.of("localhost"), type, java.time.Duration.ofDays(1));
            for (TestPki.KeyFormat format : TestPki.KeyFormat.values()) {
                PrivateKey key = Pem.privateKey(leaf.keyPem(format).getBytes(StandardCharsets.US_ASCII));
                assertEquals(type.name(), key.getAlgorithm(), type + " " + format);
                assertTrue(Pem.matches(key, leaf.cert()), type + " " + format);
            }
        }
    }

    @Test
    void anEcKeyWithoutItsCurveIsExplained() {
        TestPki.Issued leaf = CA.issue("leaf", List.of());
        StringWriter w = new StringWriter();
        try (org.bouncycastle.openssl.jcajce.JcaPEMWriter pw = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(w)) {
            pw.writeObject(leaf.key()); // BouncyCastle writes SEC1 without the curve
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pem.privateKey(w.toString().getBytes(StandardCharsets.US_ASCII)));
        assertTrue(e.getMessage().contains("without its curve"), e.getMessage());
    }

    @Test
    void aChainKeepsItsOrderAndAKeyFromAnotherPairIsNoticed() {
        TestPki.Issued a = CA.issue("a", List.of());
        TestPki.Issued b = CA.issue("b", List.of());
        byte[] chain = (a.certPem() + "some text between\n" + CA.certPem()).getBytes(StandardCharsets.US_ASCII);
        assertEquals(List.of(a.cert(), CA.cert()), Pem.certificates(chain));
        assertFalse(Pem.matches(b.key(), a.cert()));
    }

    @Test
    void unusableContentIsNamed() {
        IllegalArgumentException noCert = assertThrows(IllegalArgumentException.class,
                () -> Pem.certificates("not a certificate".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(noCert.getMessage().contains("no PEM certificate"), noCert.getMessage());
        IllegalArgumentException encrypted = assertThrows(IllegalArgumentException.class, () -> Pem.privateKey(
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
                        .getBytes(StandardCharsets.US_ASCII)));
        assertTrue(encrypted.getMessage().contains("encrypted"), encrypted.getMessage());
        IllegalArgumentException certAsKey = assertThrows(IllegalArgumentException.class,
                () -> Pem.privateKey(CA.certPem().getBytes(StandardCharsets.US_ASCII)));
        assertTrue(certAsKey.getMessage().contains("no PEM private key"), certAsKey.getMessage());
    }

    @Test
    void aMissingFileIsReportedWithItsKey() throws Exception {
        PemSource missing = PemSource.file("tls.frontend.server.certFile", dir.resolve("nope.pem").toString());
        ConfigException e = assertThrows(ConfigException.class, missing::read);
        assertEquals("tls.frontend.server.certFile: file " + dir.resolve("nope.pem") + " does not exist", e.getMessage());

        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "hello");
        PemSource key = PemSource.file("tls.frontend.server.keyFile", garbage.toString());
        ConfigException bad = assertThrows(ConfigException.class,
                () -> new ReloadingIdentity(PemSource.file("tls.frontend.server.certFile",
                        CA.writeCert(dir.resolve("ca.pem")).toString()), key));
        assertTrue(bad.getMessage().startsWith("tls.frontend.server.keyFile: " + garbage + " holds no PEM private key"),
                bad.getMessage());
    }
}
