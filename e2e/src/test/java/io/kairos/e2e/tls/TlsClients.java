package io.kairos.e2e.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.kairos.server.tls.TestPki;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;

/** SDK connections over TLS, built as a user of the Java SDK builds them: a Netty SslContext from GrpcSslContexts. */
final class TlsClients {
    private TlsClients() {
    }

    /**
     * An SslContext trusting {@code ca}, presenting {@code client} when given; the certificate each new connection's
     * server presents lands in {@code seen}.
     */
    static SslContext sslContext(TestPki.Ca ca, TestPki.Issued client, Path dir, AtomicReference<X509Certificate> seen)
            throws Exception {
        SslContextBuilder b = GrpcSslContexts.forClient().trustManager(recording(ca.cert(), seen));
        if (client != null) {
            Path cert = dir.resolve("client-" + client.serial() + ".crt");
            Path key = dir.resolve("client-" + client.serial() + ".key");
            client.write(cert, key);
            b.keyManager(cert.toFile(), key.toFile());
        }
        return b.build();
    }

    static WorkflowServiceStubs stubs(int port, SslContext ssl) {
        return WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
                .setTarget("127.0.0.1:" + port).setSslContext(ssl).build());
    }

    /** The JDK's PKIX checks against one CA, recording the server's certificate first. */
    private static X509ExtendedTrustManager recording(X509Certificate ca, AtomicReference<X509Certificate> seen)
            throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        X509ExtendedTrustManager pkix = (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
        return new X509ExtendedTrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                if (seen != null) {
                    seen.set(chain[0]);
                }
                pkix.checkServerTrusted(chain, authType, engine);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                pkix.checkServerTrusted(chain, authType, socket);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                pkix.checkServerTrusted(chain, authType);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                pkix.checkClientTrusted(chain, authType, engine);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                pkix.checkClientTrusted(chain, authType, socket);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                pkix.checkClientTrusted(chain, authType);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return pkix.getAcceptedIssuers();
            }
        };
    }
}
