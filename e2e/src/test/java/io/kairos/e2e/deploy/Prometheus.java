package io.kairos.e2e.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kairos.e2e.ServerProcess;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
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

/**
 * A real Prometheus (Debian's {@code prometheus} package; .ci/run installs it) scraping a server's metrics port, and
 * its query API. Without the binary the test is skipped, except on CI, where that is an error.
 */
final class Prometheus implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ServerProcess process;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private Prometheus(ServerProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    static Path binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "prometheus");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("prometheus is not on PATH: .ci/run installs Debian's prometheus package");
        }
        Assumptions.abort("prometheus is not installed (apt-get install prometheus)");
        return null;
    }

    /** Starts Prometheus with this scrape configuration (YAML) and waits until it is ready. */
    static Prometheus start(Path dir, String config) throws Exception {
        Path bin = binary();
        Files.createDirectories(dir);
        Path file = dir.resolve("prometheus.yml");
        Files.writeString(file, config);
        int port = ServerProcess.freePort();
        ServerProcess p = ServerProcess.exec("prometheus", List.of(bin.toString(), "--config.file=" + file,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn"), java.util.Map.of(), false);
        Prometheus prom = new Prometheus(p, port);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (prom.get("/-/ready").statusCode() == 200) {
                    return prom;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        prom.close();
        throw new AssertionError("prometheus did not become ready");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An instant query; fails on a PromQL error. Returns data.result (a vector's samples, or a scalar). */
    JsonNode query(String promql) throws IOException, InterruptedException {
        HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new AssertionError("query failed (" + r.statusCode() + "): " + promql + " -> " + r.body());
        }
        return body.path("data").path("result");
    }

    /** The scrape targets' state (health, lastError, last scrape duration), for a failure message. */
    String targets() {
        try {
            return get("/api/v1/targets").body();
        } catch (IOException | InterruptedException e) {
            return "(targets unavailable: " + e + ")";
        }
    }

    /** Whether a result holds any sample (a scalar result always does). */
    static boolean hasData(JsonNode result) {
        return result.isArray() ? !result.isEmpty() : !result.isMissingNode();
    }

    @Override
    public void close() {
        process.close();
    }
}
