package io.kairos.server.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM certificates and private keys as cert-manager, openssl and Temporal's docs write them: keys in PKCS#8
 * ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}, cert-manager's default for RSA) or SEC1
 * ({@code EC PRIVATE KEY}, its default for ECDSA). The JDK reads only PKCS#8, so the other two are wrapped into it.
 * Errors are {@link IllegalArgumentException}s whose message the caller prefixes with the config key.
 */
final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final byte[] RSA_ALGORITHM = der(0x30, concat(der(0x06, oid(1, 2, 840, 113549, 1, 1, 1)), new byte[]{5, 0}));
    private static final byte[] EC_PUBLIC_KEY_OID = der(0x06, oid(1, 2, 840, 10045, 2, 1));
    private static final byte[] VERSION_0 = {2, 1, 0};

    private Pem() {
    }

    private record Block(String type, byte[] der) {
    }

    private static List<Block> blocks(byte[] pem) {
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(new String(pem, StandardCharsets.US_ASCII));
        while (m.find()) {
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("a " + m.group(1) + " block is not valid base64");
            }
        }
        return out;
    }

    /** Every CERTIFICATE block, in order (a leaf first, then its intermediates, for a chain). */
    static List<X509Certificate> certificates(byte[] pem) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(pem)) {
                if (b.type().equals("CERTIFICATE")) {
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException("holds a certificate that cannot be parsed: " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return out;
    }

    /** The first private key block. */
    static PrivateKey privateKey(byte[] pem) {
        for (Block b : blocks(pem)) {
            switch (b.type()) {
                case "PRIVATE KEY" -> {
                    return pkcs8(b.der());
                }
                case "RSA PRIVATE KEY" -> {
                    return pkcs8(der(0x30, concat(VERSION_0, RSA_ALGORITHM, der(0x04, b.der()))));
                }
                case "EC PRIVATE KEY" -> {
                    byte[] algorithm = der(0x30, concat(EC_PUBLIC_KEY_OID, sec1Curve(b.der())));
                    return pkcs8(der(0x30, concat(VERSION_0, algorithm, der(0x04, b.der()))));
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException(
                        "holds an encrypted private key; give it unencrypted (as Kubernetes TLS secrets hold it)");
                default -> {
                    // certificates or parameters next to the key
                }
            }
        }
        throw new IllegalArgumentException("holds no PEM private key (-----BEGIN PRIVATE KEY-----, "
                + "RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    private static PrivateKey pkcs8(byte[] der) {
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException | RuntimeException notThisOne) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("holds a private key that is not RSA, EC or EdDSA, or is malformed");
    }

    /** Whether the key signs what the certificate's public key verifies: catches a cert and key from different pairs. */
    static boolean matches(PrivateKey key, X509Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return true; // RSASSA-PSS needs parameters; the handshake itself will tell
        }
        try {
            byte[] probe = "kairos key check".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] sig = sign.sign();
            PublicKey pub = cert.getPublicKey();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(pub);
            verify.update(probe);
            return verify.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The curve OID in the [0] parameters of a SEC1 ECPrivateKey, as a whole DER element. */
    private static byte[] sec1Curve(byte[] sec1) {
        Der outer = new Der(sec1, 0);
        if (outer.tag != 0x30) {
            throw new IllegalArgumentException("holds an EC PRIVATE KEY that is not a DER sequence");
        }
        int p = outer.contentStart;
        while (p < outer.end) {
            Der e = new Der(sec1, p);
            if (e.tag == 0xA0) {
                byte[] oid = new byte[e.end - e.contentStart];
                System.arraycopy(sec1, e.contentStart, oid, 0, oid.length);
                return oid;
            }
            p = e.end;
        }
        throw new IllegalArgumentException("holds an EC PRIVATE KEY without its curve; write it with parameters "
                + "(openssl ec -param_enc named_curve) or as PKCS#8");
    }

    /** One DER element's tag and bounds. */
    private static final class Der {
        final int tag;
        final int contentStart;
        final int end;

        Der(byte[] b, int at) {
            if (at + 2 > b.length) {
                throw new IllegalArgumentException("holds a truncated key");
            }
            tag = b[at] & 0xFF;
            int len = b[at + 1] & 0xFF;
            int p = at + 2;
            if (len > 0x80) {
                int n = len & 0x7F;
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (b[p++] & 0xFF);
                }
            }
            contentStart = p;
            end = p + len;
            if (end > b.length || len < 0) {
                throw new IllegalArgumentException("holds a truncated key");
            }
        }
    }

    private static byte[] der(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else {
            int bytes = len > 0xFFFF ? 3 : len > 0xFF ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(len >>> (8 * i));
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] oid(int... arcs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(arcs[0] * 40 + arcs[1]);
        for (int i = 2; i < arcs.length; i++) {
            int v = arcs[i];
            int shift = 28;
            while (shift > 0 && (v >>> shift) == 0) {
                shift -= 7;
            }
            for (; shift > 0; shift -= 7) {
                out.write(0x80 | ((v >>> shift) & 0x7F));
            }
            out.write(v & 0x7F);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
