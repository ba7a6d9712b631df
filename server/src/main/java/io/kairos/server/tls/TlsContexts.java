package io.kairos.server.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.kairos.common.config.ConfigException;
import io.kairos.common.config.TlsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The TLS of this process, built from the {@code tls:} config: the frontend's listener, the internode listeners
 * (history, matching, worker) and every channel to a peer. Internode clients present the internode server
 * certificate, as Temporal's do, so one certificate per process serves both directions of mTLS.
 *
 * <p>Certificates and CAs given as files are re-read every {@code refreshInterval}; new handshakes use what was
 * read last, open connections keep theirs. A refresh that finds unusable content (a half-written rotation, a key
 * that does not match its certificate) logs it and keeps the previous credentials.
 */
public final class TlsContexts implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);
    /** Plaintext everywhere: dev mode and configs without a tls section. */
    public static final TlsContexts NONE = new TlsContexts();

    private final List<Reloadable> reloadables = new ArrayList<>();
    private final SslContext frontendServer;
    private final SslContext internodeServer;
    private final SslContext internodeClient;
    private final String internodeServerName;
    private ReloadingIdentity frontendIdentity;
    private ScheduledExecutorService refresher;

    private TlsContexts() {
        frontendServer = null;
        internodeServer = null;
        internodeClient = null;
        internodeServerName = null;
    }

    private TlsContexts(TlsConfig config, boolean frontend) {
        TlsConfig.Group fe = config.frontend();
        TlsConfig.Group in = config.internode();
        if (frontend && fe.serverEnabled()) {
            frontendIdentity = identity(fe);
            frontendServer = server(fe, frontendIdentity);
        } else {
            frontendServer = null;
        }
        ReloadingIdentity internodeIdentity = in.serverEnabled() ? identity(in) : null;
        internodeServer = internodeIdentity == null ? null : server(in, internodeIdentity);
        internodeClient = in.clientEnabled() ? client(in, internodeIdentity) : null;
        internodeServerName = in.client().serverName();
    }

    /**
     * Reads every certificate, key and CA this process needs (the frontend's only when it runs the frontend), so a
     * missing or unusable file fails the start with its config key named, and starts the refresh.
     */
    public static TlsContexts create(TlsConfig config, boolean runsFrontend) {
        if (!config.internode().clientEnabled() && !(runsFrontend && config.frontend().serverEnabled())) {
            return NONE;
        }
        TlsContexts t = new TlsContexts(config, runsFrontend);
        long every = config.refreshInterval().toMillis();
        if (every > 0 && !t.reloadables.isEmpty()) {
            t.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread th = new Thread(r, "tls-refresh");
                th.setDaemon(true);
                return th;
            });
            t.refresher.scheduleWithFixedDelay(t::refresh, every, every, TimeUnit.MILLISECONDS);
        }
        return t;
    }

    /** The frontend listener's TLS, or null for plaintext. */
    public SslContext frontendServer() {
        return frontendServer;
    }

    /** The history, matching and worker listeners' TLS, or null for plaintext. */
    public SslContext internodeServer() {
        return internodeServer;
    }

    /** The certificate the frontend presents to new connections (null without frontend TLS). */
    public X509Certificate frontendCertificate() {
        return frontendIdentity == null ? null : frontendIdentity.current();
    }

    /**
     * A channel builder for a peer's internal port: TLS when internode TLS is on, checking the peer's certificate
     * against {@code internode.client.serverName} when set (it also becomes the authority), else the dialed host.
     */
    public NettyChannelBuilder peerChannel(String address) {
        NettyChannelBuilder b = NettyChannelBuilder.forTarget(address);
        if (internodeClient == null) {
            return b.usePlaintext();
        }
        b.sslContext(internodeClient);
        if (internodeServerName != null) {
            b.overrideAuthority(internodeServerName);
        }
        return b;
    }

    /** Re-reads every file now; what the scheduled refresh runs. */
    void refresh() {
        for (Reloadable r : reloadables) {
            try {
                r.reload();
            } catch (ConfigException e) {
                log.warn("component=tls msg=\"keeping the previous credentials\" reason=\"{}\"", e.getMessage());
            } catch (RuntimeException e) {
                log.warn("component=tls msg=\"keeping the previous credentials\" reason=\"{}\"", e.toString());
            }
        }
    }

    private ReloadingIdentity identity(TlsConfig.Group g) {
        TlsConfig.Server s = g.server();
        String p = g.name() + ".server.";
        PemSource cert = s.certFile() != null ? PemSource.file(p + "certFile", s.certFile())
                : PemSource.data(p + "certData", s.certData());
        PemSource key = s.keyFile() != null ? PemSource.file(p + "keyFile", s.keyFile())
                : PemSource.data(p + "keyData", s.keyData());
        return track(new ReloadingIdentity(cert, key));
    }

    private ReloadingTrust trust(String key, List<String> files, List<String> data, boolean checkHostName) {
        List<PemSource> sources = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            sources.add(PemSource.file(key + "Files[" + i + "]", files.get(i)));
        }
        for (int i = 0; i < data.size(); i++) {
            sources.add(PemSource.data(key + "Data[" + i + "]", data.get(i)));
        }
        return track(new ReloadingTrust(sources, checkHostName));
    }

    private <T extends Reloadable> T track(T r) {
        reloadables.add(r);
        return r;
    }

    /** The JDK provider asks the key and trust managers at every handshake, which is what makes rotation work. */
    private SslContext server(TlsConfig.Group g, ReloadingIdentity identity) {
        SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forServer(identity.keyManager()),
                SslProvider.JDK);
        TlsConfig.Server s = g.server();
        if (s.requireClientAuth()) {
            b.clientAuth(ClientAuth.REQUIRE)
                    .trustManager(trust(g.name() + ".server.clientCa", s.clientCaFiles(), s.clientCaData(), false)
                            .trustManager());
        }
        return build(g.name() + ".server", b);
    }

    private SslContext client(TlsConfig.Group g, ReloadingIdentity identity) {
        TlsConfig.Client c = g.client();
        SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                .trustManager(trust(g.name() + ".client.rootCa", c.rootCaFiles(), c.rootCaData(),
                        !c.disableHostVerification()).trustManager());
        if (identity != null) {
            b.keyManager(identity.keyManager());
        }
        return build(g.name() + ".client", b);
    }

    private static SslContext build(String key, SslContextBuilder b) {
        try {
            return b.build();
        } catch (SSLException e) {
            throw new ConfigException(key + ": cannot set up TLS: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (refresher != null) {
            refresher.shutdownNow();
        }
    }
}
