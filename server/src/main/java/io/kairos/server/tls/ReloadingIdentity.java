package io.kairos.server.tls;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.kairos.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.X509ExtendedKeyManager;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;

/**
 * The certificate chain and key this process presents, as a key manager that new handshakes read; connections
 * already open keep the certificate they started with. The first load happens in the constructor, so a missing or
 * bad file stops the process at start with the key named.
 */
final class ReloadingIdentity implements Reloadable {
    private static final Logger log = LoggerFactory.getLogger(ReloadingIdentity.class);

    private final PemSource cert;
    private final PemSource key;
    private final AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
    private byte[] loadedCert;
    private byte[] loadedKey;
    private volatile X509Certificate current;

    ReloadingIdentity(PemSource cert, PemSource key) {
        this.cert = cert;
        this.key = key;
        reload();
    }

    X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /** The leaf certificate new handshakes present. */
    X509Certificate current() {
        return current;
    }

    @Override
    public synchronized boolean reload() {
        byte[] certBytes = cert.read();
        byte[] keyBytes = key.read();
        if (Arrays.equals(certBytes, loadedCert) && Arrays.equals(keyBytes, loadedKey)) {
            return false;
        }
        List<X509Certificate> chain;
        PrivateKey privateKey;
        try {
            chain = Pem.certificates(certBytes);
        } catch (IllegalArgumentException e) {
            throw cert.invalid(e);
        }
        try {
            privateKey = Pem.privateKey(keyBytes);
        } catch (IllegalArgumentException e) {
            throw key.invalid(e);
        }
        // A rotation that has replaced one file but not yet the other: keep serving the old pair until both match.
        if (!Pem.matches(privateKey, chain.get(0))) {
            throw new ConfigException(key.key() + " does not belong to the certificate of " + cert.key()
                    + " (its public key differs)");
        }
        keyManager.updateIdentityCredentials(chain.toArray(X509Certificate[]::new), privateKey);
        boolean first = loadedCert == null;
        loadedCert = certBytes;
        loadedKey = keyBytes;
        current = chain.get(0);
        log.info("component=tls msg=\"{}\" key={} subject=\"{}\" serial={} notAfter={}",
                first ? "loaded certificate" : "loaded new certificate", cert.key(),
                current.getSubjectX500Principal().getName(), current.getSerialNumber().toString(16),
                current.getNotAfter().toInstant());
        return true;
    }
}
