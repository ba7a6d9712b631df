package io.kairos.frontend.auth;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The signing keys of tokens, from JWKS documents (Temporal's default token key provider): RSA keys and P-256 EC keys
 * by {@code kid}. All documents are fetched at start, every refresh interval, and when a token names a key id not
 * seen yet, so a rotated key works without a restart. Fetches on unknown key ids are at most one per
 * {@link #MIN_ON_DEMAND_GAP}, so a flood of made-up key ids cannot hammer the JWKS endpoint; concurrent lookups share
 * one fetch. A document that cannot be fetched keeps its previous keys.
 */
public final class JwksKeyProvider implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JwksKeyProvider.class);
    static final Duration MIN_ON_DEMAND_GAP = Duration.ofSeconds(5);
    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_DOCUMENT_BYTES = 1 << 20;

    /** Reads one JWKS document. */
    @FunctionalInterface
    public interface Fetcher {
        String fetch(URI uri) throws IOException, InterruptedException;
    }

    private record KeySet(Map<String, RSAPublicKey> rsa, Map<String, ECPublicKey> ec) {
        static final KeySet EMPTY = new KeySet(Map.of(), Map.of());
    }

    private final List<URI> uris;
    private final Duration refreshInterval;
    private final Fetcher fetcher;
    private final LongSupplier nanoTime;
    private final Map<URI, KeySet> byUri = new LinkedHashMap<>();
    private volatile KeySet keys = KeySet.EMPTY;
    private final Object lock = new Object();
    private CompletableFuture<Void> inFlight;
    private long lastFetchStart;
    private boolean fetchedOnce;
    private volatile Thread refresher;

    public JwksKeyProvider(List<String> uris, Duration refreshInterval) {
        this(uris, refreshInterval, httpFetcher(), System::nanoTime);
    }

    JwksKeyProvider(List<String> uris, Duration refreshInterval, Fetcher fetcher, LongSupplier nanoTime) {
        this.uris = uris.stream().filter(u -> !u.isBlank()).map(URI::create).toList();
        this.refreshInterval = refreshInterval;
        this.fetcher = fetcher;
        this.nanoTime = nanoTime;
    }

    /** Starts the first fetch (lookups wait for it) and the periodic refresh. */
    public void start() {
        refreshNow();
        if (refreshInterval.isPositive()) {
            refresher = Thread.ofVirtual().name("jwks-refresh").start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        Thread.sleep(refreshInterval);
                    } catch (InterruptedException e) {
                        return;
                    }
                    await(refreshNow());
                }
            });
        }
    }

    /** The RSA key of this id, fetching the documents again (rate limited) when the id is unknown. */
    public RSAPublicKey rsaKey(String kid) {
        RSAPublicKey k = keys.rsa().get(kid);
        if (k == null) {
            // Read again even when no fetch was started: one may have ended between the read above and the check.
            refreshForUnknownKid();
            k = keys.rsa().get(kid);
        }
        return k;
    }

    /** The P-256 EC key of this id, fetching the documents again (rate limited) when the id is unknown. */
    public ECPublicKey ecKey(String kid) {
        ECPublicKey k = keys.ec().get(kid);
        if (k == null) {
            // Read again even when no fetch was started: one may have ended between the read above and the check.
            refreshForUnknownKid();
            k = keys.ec().get(kid);
        }
        return k;
    }

    /** Waits for a fetch in progress, or starts one if the last began long enough ago; false when neither. */
    private boolean refreshForUnknownKid() {
        CompletableFuture<Void> f;
        synchronized (lock) {
            f = inFlight;
            if (f == null) {
                if (fetchedOnce && nanoTime.getAsLong() - lastFetchStart < MIN_ON_DEMAND_GAP.toNanos()) {
                    return false;
                }
                f = startFetch();
            }
        }
        await(f);
        return true;
    }

    /** Fetches now unless a fetch is already running (then that one). */
    CompletableFuture<Void> refreshNow() {
        synchronized (lock) {
            return inFlight != null ? inFlight : startFetch();
        }
    }

    private CompletableFuture<Void> startFetch() {
        lastFetchStart = nanoTime.getAsLong();
        fetchedOnce = true;
        CompletableFuture<Void> f = new CompletableFuture<>();
        inFlight = f;
        Thread.ofVirtual().name("jwks-fetch").start(() -> {
            KeySet fetched = keys;
            try {
                fetched = fetchAll();
            } finally {
                // New keys and the end of the fetch become visible together: a lookup that sees the keys also sees
                // that no fetch is running, so it never waits on this old fetch for a key published after it.
                synchronized (lock) {
                    keys = fetched;
                    inFlight = null;
                }
                f.complete(null);
            }
        });
        return f;
    }

    private static void await(CompletableFuture<Void> f) {
        try {
            f.get(FETCH_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // a slow or failed fetch leaves the keys as they were
        }
    }

    private KeySet fetchAll() {
        for (URI uri : uris) {
            try {
                KeySet parsed = parse(fetcher.fetch(uri));
                synchronized (byUri) {
                    byUri.put(uri, parsed);
                }
                log.debug("component=frontend msg=\"JWKS fetched\" uri={} rsa_keys={} ec_keys={}", safe(uri),
                        parsed.rsa().size(), parsed.ec().size());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return keys;
            } catch (IOException | RuntimeException e) {
                log.warn("component=frontend msg=\"cannot fetch JWKS; keeping the keys fetched before\" uri={} error=\"{}\"",
                        safe(uri), e.getMessage());
            }
        }
        Map<String, RSAPublicKey> rsa = new HashMap<>();
        Map<String, ECPublicKey> ec = new HashMap<>();
        synchronized (byUri) {
            for (KeySet s : byUri.values()) {
                rsa.putAll(s.rsa());
                ec.putAll(s.ec());
            }
        }
        return new KeySet(Map.copyOf(rsa), Map.copyOf(ec));
    }

    /**
     * The usable keys of a JWKS document. Keys of other types or curves, or malformed ones, are skipped; a key without
     * {@code kid} is stored under "" as Temporal does.
     */
    static KeySet parse(String document) {
        JsonObject root = Json.object(document);
        if (root == null || !(root.get("keys") instanceof JsonArray array)) {
            throw new IllegalArgumentException("not a JWKS document (no \"keys\" array)");
        }
        Map<String, RSAPublicKey> rsa = new HashMap<>();
        Map<String, ECPublicKey> ec = new HashMap<>();
        for (JsonElement e : array) {
            if (!(e instanceof JsonObject k)) {
                continue;
            }
            String kid = Json.string(k, "kid");
            try {
                switch (String.valueOf(Json.string(k, "kty"))) {
                    case "RSA" -> rsa.put(kid == null ? "" : kid, rsa(k));
                    case "EC" -> {
                        if ("P-256".equals(Json.string(k, "crv"))) {
                            ec.put(kid == null ? "" : kid, p256(k));
                        }
                    }
                    default -> {
                        // oct, OKP and others cannot verify RS256 or ES256
                    }
                }
            } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException bad) {
                log.warn("component=frontend msg=\"skipping a malformed JWKS key\" kid=\"{}\" error=\"{}\"", kid,
                        bad.getMessage());
            }
        }
        return new KeySet(Map.copyOf(rsa), Map.copyOf(ec));
    }

    private static RSAPublicKey rsa(JsonObject k) throws GeneralSecurityException {
        BigInteger n = unsigned(Json.string(k, "n"));
        BigInteger e = unsigned(Json.string(k, "e"));
        return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
    }

    private static ECPublicKey p256(JsonObject k) throws GeneralSecurityException {
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec("secp256r1"));
        ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
        ECPoint w = new ECPoint(unsigned(Json.string(k, "x")), unsigned(Json.string(k, "y")));
        if (!onCurve(spec, w)) {
            throw new IllegalArgumentException("the point is not on P-256");
        }
        return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, spec));
    }

    /** y² = x³ + ax + b (mod p). */
    private static boolean onCurve(ECParameterSpec spec, ECPoint w) {
        BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
        BigInteger x = w.getAffineX();
        BigInteger y = w.getAffineY();
        if (x.signum() < 0 || y.signum() < 0 || x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger right = x.pow(3).add(spec.getCurve().getA().multiply(x)).add(spec.getCurve().getB()).mod(p);
        return y.pow(2).mod(p).equals(right);
    }

    private static BigInteger unsigned(String base64url) {
        if (base64url == null || base64url.isEmpty()) {
            throw new IllegalArgumentException("a key parameter is missing");
        }
        return new BigInteger(1, Base64.getUrlDecoder().decode(base64url));
    }

    /** HTTP(S) with timeouts and a size cap, or a local file (Temporal also reads file: URIs). */
    static Fetcher httpFetcher() {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        return uri -> {
            if ("file".equalsIgnoreCase(uri.getScheme())) {
                return Files.readString(Path.of(uri));
            }
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(FETCH_TIMEOUT).header("Accept", "application/json")
                    .GET().build();
            HttpResponse<InputStream> resp = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = resp.body()) {
                if (resp.statusCode() != 200) {
                    throw new IOException("HTTP status " + resp.statusCode());
                }
                byte[] bytes = body.readNBytes(MAX_DOCUMENT_BYTES + 1);
                if (bytes.length > MAX_DOCUMENT_BYTES) {
                    throw new IOException("the document is larger than " + MAX_DOCUMENT_BYTES + " bytes");
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
        };
    }

    /** The URI without user info or query, which might carry credentials. */
    private static String safe(URI uri) {
        return uri.getScheme() + "://" + (uri.getHost() == null ? "" : uri.getHost())
                + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + (uri.getPath() == null ? "" : uri.getPath());
    }

    @Override
    public void close() {
        Thread t = refresher;
        if (t != null) {
            t.interrupt();
        }
    }
}
