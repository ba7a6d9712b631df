package io.kairos.server;

import io.kairos.common.config.AuthorizationConfig;
import io.kairos.common.config.ConfigLoader;
import io.kairos.common.config.MetricsConfig;
import io.kairos.common.config.ConfiguredNamespace;
import io.kairos.common.config.DatabaseConfig;
import io.kairos.common.config.ServerConfig;
import io.kairos.common.config.ServiceEndpoint;
import io.kairos.common.config.ServiceRole;
import io.kairos.common.config.TlsConfig;
import io.kairos.server.cli.Flags;
import io.kairos.server.dev.AotTraining;
import io.kairos.server.dev.DevPostgres;
import io.kairos.server.dev.PostgresBinaries;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** temporal-server dev: every service in one JVM on an embedded Postgres. */
final class DevCommand {
    static final Duration DEFAULT_RETENTION = Duration.ofDays(1);

    private DevCommand() {
    }

    static Flags flags() {
        return Logging.withLogFlags(new Flags("dev", "Runs frontend, history, matching and worker in one JVM on an embedded Postgres.\n"
                + "Creates the namespaces temporal-system and default. Data survives restarts unless --ephemeral.")
                .value("db-dir", "DIR", "Directory for the embedded Postgres data.", ".temporal-dev")
                .bool("ephemeral", "Use a throw-away database, deleted on exit.")
                .value("ip", "ADDRESS", "Address the frontend listens on.", "127.0.0.1")
                .value("port", "PORT", "Frontend gRPC port.", "7233")
                .value("metrics-port", "PORT", "Serve Prometheus metrics on this port at /metrics (0: off).", "0")
                .bool("no-metrics", "Record no metrics at all (to measure what they cost; /metrics is then empty).")
                .value("aot-train", "N", "Run N workflows through the API, then stop: the training run of a JDK AOT "
                        + "cache (java -XX:AOTCacheOutput=FILE -jar ... dev --ephemeral --aot-train 2000).", "0")
                .value("shards", "N", "History shard count for a new database (fixed afterwards).", "4")
                .value("config", "FILE", "YAML with tls:, authorization: and namespaces: sections, as in start's "
                        + "config (JWT authorization and TLS are off without it).", ""), "warn");
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        Flags f = flags().parse(args);
        if (f.printedHelp(out)) {
            return 0;
        }
        f.noPositionals();
        int port = f.getInt("port", 0, 65535);
        int shards = f.getInt("shards", 1, 16384);
        int metricsPort = f.getInt("metrics-port", 0, 65535);
        ConfigLoader.DevSections sections = f.get("config").isEmpty()
                ? new ConfigLoader.DevSections(TlsConfig.NONE, AuthorizationConfig.NONE, List.of())
                : new ConfigLoader(System::getenv).readDevSections(Path.of(f.get("config")));
        PostgresBinaries.requirePresent();
        Logging.configure(f);
        boolean ephemeral = f.has("ephemeral");
        Path dir = ephemeral ? Files.createTempDirectory("temporal-dev-") : Path.of(f.get("db-dir"));

        long t0 = System.nanoTime();
        ShutdownSignal signal = new ShutdownSignal();
        DevPostgres pg = null;
        KairosServer server = null;
        try {
            pg = DevPostgres.start(dir, ephemeral);
            ServerConfig config = config(pg, f.get("ip"), port, shards, metricsPort, sections,
                    f.has("no-metrics") ? MetricsConfig.OFF : MetricsConfig.DEFAULTS);
            server = KairosServer.start(config, EnumSet.allOf(ServiceRole.class), false);
            if (!server.awaitReady(60_000)) {
                throw new IllegalStateException("the server did not become ready within 60 s");
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            out.printf("Temporal-compatible server (Kairos) listening on %s:%d, namespace default, data %s%s, ready in %d ms%n",
                    f.get("ip"), server.frontendPort(), ephemeral ? "ephemeral" : dir.toAbsolutePath(),
                    server.metricsPort() > 0 ? ", metrics on :" + server.metricsPort() + "/metrics" : "", ms);
            // The first line's format is parsed by bench/run.sh and the tests; the hints go on the lines after it.
            out.print(clientHints(f.get("ip"), server.frontendPort()));
            out.flush();
            int training = f.getInt("aot-train", 0, 1_000_000);
            if (training > 0) {
                AotTraining.run(server.frontendPort(), training, out);
                return 0;
            }
            signal.await();
            return 0;
        } finally {
            if (server != null) {
                server.close();
            }
            if (pg != null) {
                pg.close();
            }
            if (ephemeral) {
                deleteTree(dir);
            }
            signal.done();
        }
    }

    /** How to point the CLI, the SDKs and the Web UI at the dev server, printed under the ready line. */
    static String clientHints(String ip, int port) {
        String host = ip.equals("0.0.0.0") ? "127.0.0.1" : ip;
        String address = host + ":" + port;
        // A container reaches the host as host.docker.internal (Docker Desktop); on Linux a server bound to
        // loopback is reachable only from the host's network namespace.
        String uiAddress = (host.equals("127.0.0.1") ? "host.docker.internal" : host) + ":" + port;
        return String.join(System.lineSeparator(),
                "  CLI:    temporal --address " + address + " workflow list   (or export TEMPORAL_ADDRESS=" + address + ")",
                "  SDKs:   target " + address + ", namespace default",
                "  Web UI: docker run -e TEMPORAL_ADDRESS=" + uiAddress + " -p 8080:8080 temporalio/ui, then http://localhost:8080",
                host.equals("127.0.0.1") ? "          (on Linux: docker run --network host -e TEMPORAL_ADDRESS=" + address
                        + " temporalio/ui)" + System.lineSeparator() : "");
    }

    private static ServerConfig config(DevPostgres pg, String ip, int port, int shards, int metricsPort,
                                       ConfigLoader.DevSections sections, MetricsConfig metrics) {
        Map<ServiceRole, ServiceEndpoint> endpoints = new EnumMap<>(ServiceRole.class);
        for (ServiceRole r : ServiceRole.values()) {
            endpoints.put(r, r == ServiceRole.FRONTEND ? new ServiceEndpoint(ip, port, null)
                    : new ServiceEndpoint("127.0.0.1", 0, null));
        }
        return new ServerConfig(
                new DatabaseConfig(pg.jdbcUrl("temporal"), pg.user(), null, 20),
                new DatabaseConfig(pg.jdbcUrl("temporal_visibility"), pg.user(), null, 10),
                true, ServerConfig.DEFAULT_CLUSTER_NAME, shards, endpoints, metricsPort,
                ServerConfig.DEFAULT_NAMESPACE_REFRESH, ServerConfig.DEFAULT_MEMBERSHIP_HEARTBEAT,
                ServerConfig.DEFAULT_MEMBERSHIP_TTL, namespaces(sections.namespaces()), sections.tls(),
                sections.authorization(), metrics, sections.archival());
    }

    /** default always, then the file's namespaces (a "default" entry there sets its retention). */
    private static List<ConfiguredNamespace> namespaces(List<ConfiguredNamespace> extra) {
        List<ConfiguredNamespace> out = new java.util.ArrayList<>();
        if (extra.stream().noneMatch(n -> n.name().equals("default"))) {
            out.add(new ConfiguredNamespace("default", DEFAULT_RETENTION));
        }
        out.addAll(extra);
        return out;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort for a temp dir
        }
    }
}
