package io.kairos.server.tls;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.kairos.common.config.ConfigException;
import io.kairos.common.config.TlsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Internode TLS between a real Netty server and real channels in this JVM: who is let in, which names are checked. */
class TlsContextsTest {
    private static final TestPki.Ca CA = new TestPki.Ca("internode-ca");
    private static final TestPki.Ca OTHER_CA = new TestPki.Ca("other-ca");

    @TempDir
    Path dir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
    }

    /** A process's internode section: its certificate, client auth against {@code clientCa}, peers checked against {@code rootCa}. */
    private TlsConfig internode(String name, TestPki.Issued identity, TestPki.Ca clientCa, TestPki.Ca rootCa,
                                String serverName, boolean disableHostVerification) {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        identity.write(cert, key);
        Path clientCaFile = clientCa.writeCert(dir.resolve(name + "-client-ca.crt"));
        Path rootCaFile = rootCa.writeCert(dir.resolve(name + "-root-ca.crt"));
        TlsConfig.Group g = new TlsConfig.Group("tls.internode",
                new TlsConfig.Server(cert.toString(), key.toString(), null, null, true, List.of(clientCaFile.toString()), List.of()),
                new TlsConfig.Client(serverName, List.of(rootCaFile.toString()), List.of(), disableHostVerification, false));
        return new TlsConfig(TlsConfig.Group.NONE, g, Duration.ZERO);
    }

    private TlsContexts contexts(TlsConfig config) {
        TlsContexts t = TlsContexts.create(config, false);
        cleanup.add(t);
        return t;
    }

    private int serve(TlsContexts tls) throws IOException {
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(tls.internodeServer())
                .addService(new HealthStatusManager().getHealthService()).build().start();
        cleanup.add(() -> s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return s.getPort();
    }

    private HealthCheckResponse.ServingStatus check(NettyChannelBuilder b) {
        ManagedChannel ch = b.build();
        try {
            return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus();
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void peersWithCertificatesOfTheCaTalkAndOthersAreRefused() throws Exception {
        TlsContexts server = contexts(internode("history", CA.issue("history", List.of("127.0.0.1")), CA, CA, null, false));
        int port = serve(server);
        TlsContexts frontend = contexts(internode("frontend", CA.issue("frontend", List.of("127.0.0.1")), CA, CA, null, false));
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, check(frontend.peerChannel("127.0.0.1:" + port)));

        // plaintext, and TLS without a client certificate, never reach the service
        assertThrows(StatusRuntimeException.class, () -> check(TlsContexts.NONE.peerChannel("127.0.0.1:" + port)));
        TlsContexts noCert = contexts(new TlsConfig(TlsConfig.Group.NONE, new TlsConfig.Group("tls.internode",
                TlsConfig.Server.NONE, new TlsConfig.Client(null, List.of(CA.writeCert(dir.resolve("ca.crt")).toString()),
                List.of(), false, false)), Duration.ZERO));
        assertThrows(StatusRuntimeException.class, () -> check(noCert.peerChannel("127.0.0.1:" + port)));

        // a client certificate of another CA is refused by the server
        TlsContexts stranger = contexts(internode("stranger", OTHER_CA.issue("stranger", List.of("127.0.0.1")),
                CA, CA, null, false));
        assertThrows(StatusRuntimeException.class, () -> check(stranger.peerChannel("127.0.0.1:" + port)));
        // and a server of another CA is refused by the client, even without host verification
        TlsContexts picky = contexts(internode("picky", CA.issue("picky", List.of("127.0.0.1")), CA, OTHER_CA, null, true));
        assertThrows(StatusRuntimeException.class, () -> check(picky.peerChannel("127.0.0.1:" + port)));
    }

    @Test
    void serverNameIsWhatTheCertificateMustName() throws Exception {
        // Peers are dialed by IP; the certificate names only a service name, as a cert-manager Certificate would.
        TlsContexts server = contexts(internode("matching", CA.issue("matching", List.of("kairos-internode")), CA, CA,
                null, false));
        int port = serve(server);
        String address = "127.0.0.1:" + port;

        TlsContexts byIp = contexts(internode("a", CA.issue("a", List.of("kairos-internode")), CA, CA, null, false));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> check(byIp.peerChannel(address)));
        assertEquals(io.grpc.Status.Code.UNAVAILABLE, e.getStatus().getCode());

        TlsContexts named = contexts(internode("b", CA.issue("b", List.of("kairos-internode")), CA, CA,
                "kairos-internode", false));
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, check(named.peerChannel(address)));

        TlsContexts wrongName = contexts(internode("c", CA.issue("c", List.of("kairos-internode")), CA, CA,
                "someone-else", false));
        assertThrows(StatusRuntimeException.class, () -> check(wrongName.peerChannel(address)));

        TlsContexts unchecked = contexts(internode("d", CA.issue("d", List.of("kairos-internode")), CA, CA, null, true));
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, check(unchecked.peerChannel(address)));
    }

    @Test
    void missingFilesFailTheStartWithTheirKey() {
        TlsConfig.Group g = new TlsConfig.Group("tls.internode",
                new TlsConfig.Server(dir.resolve("absent.crt").toString(), dir.resolve("absent.key").toString(), null,
                        null, false, List.of(), List.of()), TlsConfig.Client.NONE);
        ConfigException e = assertThrows(ConfigException.class,
                () -> TlsContexts.create(new TlsConfig(TlsConfig.Group.NONE, g, Duration.ZERO), false));
        assertEquals("tls.internode.server.certFile: file " + dir.resolve("absent.crt") + " does not exist", e.getMessage());

        TlsConfig.Group fe = new TlsConfig.Group("tls.frontend", g.server(), TlsConfig.Client.NONE);
        TlsConfig frontendOnly = new TlsConfig(fe, TlsConfig.Group.NONE, Duration.ZERO);
        assertEquals(TlsContexts.NONE, TlsContexts.create(frontendOnly, false),
                "a process without the frontend never reads the frontend's files");
        ConfigException fen = assertThrows(ConfigException.class, () -> TlsContexts.create(frontendOnly, true));
        assertTrue(fen.getMessage().startsWith("tls.frontend.server.certFile: "), fen.getMessage());
    }

    @Test
    void aRotatedCertificateIsTakenAndAHalfWrittenRotationIsNot() {
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        TestPki.Issued first = CA.issue("frontend", List.of("127.0.0.1")).write(cert, key);
        ReloadingIdentity identity = new ReloadingIdentity(PemSource.file("tls.frontend.server.certFile", cert.toString()),
                PemSource.file("tls.frontend.server.keyFile", key.toString()));
        assertEquals(first.serial(), identity.current().getSerialNumber());
        assertEquals(false, identity.reload(), "unchanged files are not parsed again");

        // only the certificate replaced so far: the old pair stays in use
        TestPki.Issued second = CA.issue("frontend", List.of("127.0.0.1"), TestPki.KeyType.RSA, Duration.ofDays(1));
        TestPki.writeAtomically(cert, second.certPem());
        ConfigException mismatch = assertThrows(ConfigException.class, identity::reload);
        assertTrue(mismatch.getMessage().contains("tls.frontend.server.keyFile does not belong to the certificate"),
                mismatch.getMessage());
        assertEquals(first.serial(), identity.current().getSerialNumber());
        assertEquals(first.serial(), ((java.security.cert.X509Certificate) identity.keyManager()
                .getCertificateChain("default")[0]).getSerialNumber());

        TestPki.writeAtomically(key, second.keyPem(TestPki.KeyFormat.TRADITIONAL));
        assertTrue(identity.reload());
        assertNotEquals(first.serial(), identity.current().getSerialNumber());
        assertEquals(second.serial(), identity.current().getSerialNumber());
    }
}
