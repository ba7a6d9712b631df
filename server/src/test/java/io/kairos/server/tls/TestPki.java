package io.kairos.server.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Certificates for TLS tests: CAs and the leaves they sign (server and client use, SANs given as DNS names or IP
 * addresses), written as PEM the way cert-manager writes them (the file replaced at once, never half-written).
 */
public final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestPki() {
    }

    public enum KeyType { EC, RSA }

    /** PKCS#8 ("PRIVATE KEY") or the traditional per-algorithm form ("RSA PRIVATE KEY", "EC PRIVATE KEY"). */
    public enum KeyFormat { PKCS8, TRADITIONAL }

    public record Issued(X509Certificate cert, PrivateKey key) {
        public BigInteger serial() {
            return cert.getSerialNumber();
        }

        public String certPem() {
            return pem(cert);
        }

        public String keyPem(KeyFormat format) {
            return format == KeyFormat.PKCS8 ? pem(pkcs8(key)) : pem(traditional(key));
        }

        /** Writes both files, each replaced atomically. */
        public Issued write(Path certFile, Path keyFile) {
            return write(certFile, keyFile, KeyFormat.PKCS8);
        }

        public Issued write(Path certFile, Path keyFile, KeyFormat format) {
            writeAtomically(keyFile, keyPem(format));
            writeAtomically(certFile, certPem());
            return this;
        }
    }

    public static final class Ca {
        private final X500Name name;
        private final KeyPair keys;
        private final X509Certificate cert;

        public Ca(String commonName) {
            this.name = new X500Name("CN=" + commonName + ",O=Kairos tests");
            this.keys = keyPair(KeyType.EC);
            try {
                JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
                X509v3CertificateBuilder b = builder(name, name, keys.getPublic(), Duration.ofDays(3650))
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                        .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
                this.cert = sign(b, keys.getPrivate());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        public X509Certificate cert() {
            return cert;
        }

        public String certPem() {
            return pem(cert);
        }

        public Path writeCert(Path file) {
            writeAtomically(file, certPem());
            return file;
        }

        /** A leaf for both server and client use; each SAN is an IP address when it parses as one, else a DNS name. */
        public Issued issue(String commonName, List<String> sans) {
            return issue(commonName, sans, KeyType.EC, Duration.ofDays(30));
        }

        public Issued issue(String commonName, List<String> sans, KeyType type, Duration validity) {
            KeyPair leaf = keyPair(type);
            try {
                JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
                X509v3CertificateBuilder b = builder(name, new X500Name("CN=" + commonName + ",O=Kairos tests"),
                        leaf.getPublic(), validity)
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                        .addExtension(Extension.keyUsage, true,
                                new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                                new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                        .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(cert))
                        .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(leaf.getPublic()));
                if (!sans.isEmpty()) {
                    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.stream()
                            .map(s -> new GeneralName(s.matches("[0-9.]+|.*:.*") ? GeneralName.iPAddress
                                    : GeneralName.dNSName, s))
                            .toArray(GeneralName[]::new)));
                }
                return new Issued(sign(b, keys.getPrivate()), leaf.getPrivate());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, java.security.PublicKey key,
                                                    Duration validity) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject, key);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey caKey) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey)));
    }

    private static KeyPair keyPair(KeyType type) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(type.name());
            if (type == KeyType.EC) {
                g.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                g.initialize(2048);
            }
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * RSA as PKCS#1; EC as SEC1 with its named curve, as openssl and Go (cert-manager) write it (BouncyCastle's own
     * writer leaves the curve out).
     */
    static Object traditional(PrivateKey key) {
        if (!key.getAlgorithm().equals("EC")) {
            return key;
        }
        try {
            org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(key.getEncoded());
            org.bouncycastle.asn1.sec.ECPrivateKey sec1 = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
            org.bouncycastle.asn1.sec.ECPrivateKey withCurve = new org.bouncycastle.asn1.sec.ECPrivateKey(
                    ((java.security.interfaces.ECPrivateKey) key).getParams().getOrder().bitLength(), sec1.getKey(),
                    sec1.getPublicKey(), info.getPrivateKeyAlgorithm().getParameters());
            return new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", withCurve.getEncoded());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object pkcs8(PrivateKey key) {
        try {
            return new JcaPKCS8Generator(key, null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(Object o) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /** As a Kubernetes secret volume changes: the new content appears at once. */
    public static void writeAtomically(Path file, String content) {
        try {
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".tmp", ".pem");
            Files.writeString(tmp, content);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
