package io.kairos.frontend.auth;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JWKS cache: parsing, refresh on unknown key ids with a rate limit, periodic refresh, failures. */
class JwksKeyProviderTest {
    private static final TestKeys.Key RSA = TestKeys.rsa("r1");
    private static final TestKeys.Key EC = TestKeys.ec("e1");
    private static final TestKeys.Key RSA2 = TestKeys.rsa("r2");

    @TempDir
    Path tmp;

    /** A JWKS document the test changes, and how often it was fetched. */
    private static final class Source implements JwksKeyProvider.Fetcher {
        final AtomicReference<String> document = new AtomicReference<>(TestKeys.jwks(RSA, EC));
        final AtomicInteger fetches = new AtomicInteger();
        volatile boolean failing;

        @Override
        public String fetch(java.net.URI uri) throws IOException {
            fetches.incrementAndGet();
            if (failing) {
                throw new IOException("connection refused");
            }
            return document.get();
        }
    }

    private static void settle(JwksKeyProvider p) throws Exception {
        p.refreshNow().get();
    }

    @Test
    void loadsRsaAndP256KeysOverHttp() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/certs", ex -> {
            requests.incrementAndGet();
            byte[] body = TestKeys.jwks(RSA, EC).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.createContext("/missing", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
        try (JwksKeyProvider p = new JwksKeyProvider(List.of("http://127.0.0.1:" + server.getAddress().getPort() + "/certs",
                "http://127.0.0.1:" + server.getAddress().getPort() + "/missing"), Duration.ZERO)) {
            p.start();
            assertNotNull(p.rsaKey("r1"));
            assertNotNull(p.ecKey("e1"));
            assertNull(p.ecKey("r1"), "key ids are per key type");
            assertNull(p.rsaKey("e1"));
            assertEquals(1, requests.get());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void fileUris() throws Exception {
        Path f = tmp.resolve("jwks.json");
        Files.writeString(f, TestKeys.jwks(EC));
        try (JwksKeyProvider p = new JwksKeyProvider(List.of(f.toUri().toString()), Duration.ZERO)) {
            p.start();
            assertNotNull(p.ecKey("e1"));
        }
    }

    @Test
    void skipsKeysItCannotUse() {
        TestKeys.Key other = TestKeys.ec("p384");
        String doc = "{\"keys\":[" + RSA.jwk() + ","
                + "{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"c2VjcmV0\"},"
                + "{\"kty\":\"EC\",\"kid\":\"p384\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"},"
                + "{\"kty\":\"EC\",\"kid\":\"off\",\"crv\":\"P-256\",\"x\":\"AQ\",\"y\":\"AQ\"},"
                + "{\"kty\":\"RSA\",\"kid\":\"broken\",\"n\":\"!!\",\"e\":\"AQAB\"},"
                + "{\"kty\":\"RSA\",\"kid\":\"nomod\",\"e\":\"AQAB\"},"
                + "42,\"x\",null,"
                + other.jwk().replace("\"kid\":\"p384\",", "") + "]}";
        Source s = new Source();
        s.document.set(doc);
        JwksKeyProvider p = new JwksKeyProvider(List.of("https://x/certs"), Duration.ZERO, s, System::nanoTime);
        p.start();
        assertNotNull(p.rsaKey("r1"));
        for (String kid : List.of("h", "p384", "off", "broken", "nomod")) {
            assertNull(p.rsaKey(kid), kid);
            assertNull(p.ecKey(kid), kid);
        }
        assertNotNull(p.ecKey(""), "a key without kid is stored under \"\" as Temporal does");
    }

    @Test
    void unknownKeyIdsRefetchAtMostOncePerGap() throws Exception {
        Source s = new Source();
        AtomicLong now = new AtomicLong(0);
        JwksKeyProvider p = new JwksKeyProvider(List.of("https://x/certs"), Duration.ZERO, s, now::get);
        p.start();
        assertNotNull(p.rsaKey("r1"));
        assertEquals(1, s.fetches.get());
        // Rotation: the new key id is fetched on first sight once the gap has passed.
        s.document.set(TestKeys.jwks(RSA, EC, RSA2));
        now.addAndGet(JwksKeyProvider.MIN_ON_DEMAND_GAP.toNanos());
        assertNotNull(p.rsaKey("r2"));
        assertEquals(2, s.fetches.get());
        // A flood of made-up ids within the gap fetches nothing.
        for (int i = 0; i < 1000; i++) {
            assertNull(p.rsaKey("bogus-" + i));
            assertNull(p.ecKey("bogus-" + i));
        }
        assertEquals(2, s.fetches.get());
        now.addAndGet(JwksKeyProvider.MIN_ON_DEMAND_GAP.toNanos() - 1);
        assertNull(p.rsaKey("bogus"));
        assertEquals(2, s.fetches.get());
        now.addAndGet(1);
        assertNull(p.rsaKey("bogus"));
        assertEquals(3, s.fetches.get());
        // Keys removed from the document are gone after the next fetch.
        s.document.set(TestKeys.jwks(RSA2));
        settle(p);
        assertNull(p.rsaKey("r1"));
        assertNotNull(p.rsaKey("r2"));
    }

    @Test
    void concurrentLookupsShareOneFetch() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger fetches = new AtomicInteger();
        JwksKeyProvider p = new JwksKeyProvider(List.of("https://x/certs"), Duration.ZERO, uri -> {
            fetches.incrementAndGet();
            release.await();
            return TestKeys.jwks(RSA);
        }, System::nanoTime);
        p.start();
        List<Thread> threads = new ArrayList<>();
        AtomicInteger found = new AtomicInteger();
        for (int i = 0; i < 50; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                if (p.rsaKey("r1") != null) {
                    found.incrementAndGet();
                }
            }));
        }
        Thread.sleep(100);
        release.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(50, found.get(), "lookups during the first fetch wait for it");
        assertEquals(1, fetches.get());
    }

    @Test
    void failuresKeepTheKeysFetchedBefore() throws Exception {
        Source a = new Source();
        Source b = new Source();
        b.document.set(TestKeys.jwks(RSA2));
        JwksKeyProvider p = new JwksKeyProvider(List.of("https://a/certs", "https://b/certs"), Duration.ZERO,
                uri -> uri.getHost().equals("a") ? a.fetch(uri) : b.fetch(uri), System::nanoTime);
        p.start();
        settle(p);
        assertNotNull(p.rsaKey("r1"));
        assertNotNull(p.rsaKey("r2"));
        a.failing = true;
        b.document.set("{\"keys\":[" + RSA2.jwk() + "," + TestKeys.rsa("r3").jwk() + "]}");
        settle(p);
        assertNotNull(p.rsaKey("r1"), "a failing source keeps its keys");
        assertNotNull(p.rsaKey("r3"), "the other source still refreshes");
        b.document.set("not json");
        settle(p);
        assertNotNull(p.rsaKey("r3"));
    }

    @Test
    void periodicRefresh() throws Exception {
        Source s = new Source();
        try (JwksKeyProvider p = new JwksKeyProvider(List.of("https://x/certs"), Duration.ofMillis(50), s, System::nanoTime)) {
            p.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (s.fetches.get() < 4) {
                assertTrue(System.nanoTime() < deadline, "fetches: " + s.fetches.get());
                Thread.sleep(20);
            }
            s.document.set(TestKeys.jwks(RSA2));
            int before = s.fetches.get();
            while (s.fetches.get() < before + 2) {
                assertTrue(System.nanoTime() < deadline);
                Thread.sleep(20);
            }
            assertNotNull(p.rsaKey("r2"));
        }
    }
}
