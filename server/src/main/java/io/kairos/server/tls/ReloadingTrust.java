package io.kairos.server.tls;

import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.X509ExtendedTrustManager;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The CAs a peer's certificate must chain to, as a trust manager new handshakes read. Without sources it is the
 * JVM's default trust store (Temporal's behaviour without root CAs), which is never reloaded.
 */
final class ReloadingTrust implements Reloadable {
    private static final Logger log = LoggerFactory.getLogger(ReloadingTrust.class);

    private final List<PemSource> sources;
    private final AdvancedTlsX509TrustManager trustManager;
    private byte[] loaded;

    /** @param checkHostName also check that the peer's certificate names the host dialed (clients only) */
    ReloadingTrust(List<PemSource> sources, boolean checkHostName) {
        this.sources = List.copyOf(sources);
        try {
            trustManager = AdvancedTlsX509TrustManager.newBuilder()
                    .setVerification(checkHostName ? Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION
                            : Verification.CERTIFICATE_ONLY_VERIFICATION)
                    .build();
            if (sources.isEmpty()) {
                trustManager.useSystemDefaultTrustCerts();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up a trust manager: " + e.getMessage(), e);
        }
        reload();
    }

    X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    @Override
    public synchronized boolean reload() {
        if (sources.isEmpty()) {
            return false;
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<byte[]> contents = new ArrayList<>();
        for (PemSource s : sources) {
            byte[] b = s.read();
            contents.add(b);
            all.writeBytes(b);
        }
        byte[] combined = all.toByteArray();
        if (Arrays.equals(combined, loaded)) {
            return false;
        }
        List<X509Certificate> cas = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            try {
                cas.addAll(Pem.certificates(contents.get(i)));
            } catch (IllegalArgumentException e) {
                throw sources.get(i).invalid(e);
            }
        }
        try {
            trustManager.updateTrustCredentials(cas.toArray(X509Certificate[]::new));
        } catch (java.io.IOException | GeneralSecurityException e) {
            throw new io.kairos.common.config.ConfigException(sources.get(0).key() + ": cannot use these CAs: "
                    + e.getMessage());
        }
        boolean first = loaded == null;
        loaded = combined;
        log.info("component=tls msg=\"{}\" key={} certificates={}", first ? "loaded CAs" : "loaded new CAs",
                sources.get(0).key(), cas.size());
        return true;
    }
}
