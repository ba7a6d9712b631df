package io.kairos.e2e.auth;

import io.kairos.e2e.ServerProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Keycloak (org.keycloak:keycloak-quarkus-dist, unpacked by the e2e build into target/keycloak) in dev mode
 * on a free port, with the realm "kairos" of src/test/resources/keycloak/kairos-realm.json imported: client roles
 * of client "temporal" mapped into the access token's "permissions" claim, and service-account clients that get
 * tokens by the client-credentials grant.
 */
final class Keycloak implements AutoCloseable {
    static final String REALM = "kairos";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(4);

    private final ServerProcess process;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private Keycloak(ServerProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    static Path home() {
        Path base = Path.of(System.getProperty("kairos.keycloakDir", "target/keycloak")).toAbsolutePath();
        try (var dirs = Files.list(base)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("keycloak-")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no keycloak-* in " + base));
        } catch (IOException e) {
            throw new IllegalStateException(base + " is missing: the e2e build unpacks keycloak-quarkus-dist there", e);
        }
    }

    static Keycloak start() {
        Path home = home();
        int port = ServerProcess.freePort();
        try {
            Path imports = Files.createDirectories(home.resolve("data/import"));
            try (var in = Keycloak.class.getResourceAsStream("/keycloak/kairos-realm.json")) {
                Files.copy(in, imports.resolve("kairos-realm.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path kc = home.resolve("bin/kc.sh");
        kc.toFile().setExecutable(true);
        ServerProcess p = ServerProcess.exec("keycloak", List.of(kc.toString(), "start-dev", "--http-port=" + port,
                        "--http-host=127.0.0.1", "--import-realm", "--health-enabled=false"),
                Map.of("JAVA_HOME", System.getProperty("java.home"), "KC_BOOTSTRAP_ADMIN_USERNAME", "admin",
                        "KC_BOOTSTRAP_ADMIN_PASSWORD", "admin"), false);
        Keycloak k = new Keycloak(p, port);
        k.awaitRealm();
        return k;
    }

    /** The realm's issuer; its JWKS is {@link #jwksUri()}. */
    String issuer() {
        return "http://127.0.0.1:" + port + "/realms/" + REALM;
    }

    String jwksUri() {
        return issuer() + "/protocol/openid-connect/certs";
    }

    /** An access token for a service-account client (client-credentials grant). */
    String token(String clientId, String secret) {
        String form = "grant_type=client_credentials&client_id=" + enc(clientId) + "&client_secret=" + enc(secret);
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(issuer() + "/protocol/openid-connect/token"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"").matcher(r.body());
            if (r.statusCode() != 200 || !m.find()) {
                throw new AssertionError("Keycloak gave no token for " + clientId + ": " + r.statusCode() + " " + r.body());
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitRealm() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("Keycloak exited:\n" + process.stdout() + "\n" + process.stderr());
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(jwksUri()))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(1000);
        }
        throw new AssertionError("Keycloak did not serve realm " + REALM + " within " + START_TIMEOUT + "\n"
                + process.stdout());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops Keycloak: kc.sh and the JVM it starts, by PID. */
    @Override
    public void close() {
        ProcessHandle.of(process.pid()).ifPresent(h -> {
            h.descendants().forEach(ProcessHandle::destroy);
            h.destroy();
        });
        process.close();
    }
}
