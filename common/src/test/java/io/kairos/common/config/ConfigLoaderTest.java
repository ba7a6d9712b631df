package io.kairos.common.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    private static final String MINIMAL = """
            persistence:
              default:
                url: jdbc:postgresql://db.internal:5432/temporal
            """;

    private static ConfigLoader loader(Map<String, String> env) {
        Map<String, String> copy = new HashMap<>(env);
        return new ConfigLoader(copy::get);
    }

    private static ServerConfig parse(String yaml) {
        return loader(Map.of()).parse(yaml);
    }

    private static ConfigException parseFails(Map<String, String> env, String yaml) {
        return assertThrows(ConfigException.class, () -> loader(env).parse(yaml));
    }

    @Test
    void minimalConfigGetsDefaults() {
        ServerConfig c = parse(MINIMAL);

        assertEquals(new DatabaseConfig("jdbc:postgresql://db.internal:5432/temporal", null, null, 20), c.temporalDb());
        assertEquals(new DatabaseConfig("jdbc:postgresql://db.internal:5432/temporal_visibility", null, null, 20),
                c.visibilityDb(), "visibility derived from the default URL");
        assertFalse(c.autoMigrate());
        assertEquals(ServerConfig.DEFAULT_CLUSTER_NAME, c.clusterName());
        assertEquals("active", c.clusterName());
        assertEquals(4, c.historyShardCount());
        assertEquals(9090, c.metricsPort());
        assertEquals(MetricsConfig.DEFAULTS, c.metrics());
        assertEquals(ServerConfig.DEFAULT_NAMESPACE_REFRESH, c.namespaceRefreshInterval());
        assertEquals(List.of(), c.namespaces());
        assertEquals(2, c.temporalDb().maxIdleConnections());
        assertEquals(Duration.ofMinutes(30), c.temporalDb().maxConnectionLifetime(), "HikariCP's default");

        assertEquals(7233, c.endpoint(ServiceRole.FRONTEND).port());
        assertEquals(7234, c.endpoint(ServiceRole.HISTORY).port());
        assertEquals(7235, c.endpoint(ServiceRole.MATCHING).port());
        assertEquals(7239, c.endpoint(ServiceRole.WORKER).port());
        for (ServiceRole role : ServiceRole.values()) {
            ServiceEndpoint e = c.endpoint(role);
            assertEquals(ServerConfig.defaultPort(role), e.port());
            assertEquals("0.0.0.0", e.bindAddress());
            assertNull(e.address());
            assertEquals("127.0.0.1:" + e.port(), e.target());
        }
    }

    @Test
    void fullConfigWithDerivedVisibility() {
        ServerConfig c = parse("""
                persistence:
                  default:
                    url: jdbc:postgresql://pg.example.com:6432/kairos_main?sslmode=require&ApplicationName=x
                    user: kairos
                    password: s3cret
                    maxConnections: 40
                  autoMigrate: true
                cluster:
                  name: prod-eu
                  historyShardCount: 512
                services:
                  frontend:
                    bindAddress: 10.0.0.5
                    port: 17233
                    address: frontend.example.com:7233
                  history:
                    port: 17234
                metrics:
                  port: 9191
                  tagValueLimit: 50
                  excludeTags:
                    taskqueue: [orders]
                    workflowType: []
                """);

        assertEquals(new DatabaseConfig("jdbc:postgresql://pg.example.com:6432/kairos_main?sslmode=require&ApplicationName=x",
                "kairos", "s3cret", 40), c.temporalDb());
        assertEquals(new DatabaseConfig(
                        "jdbc:postgresql://pg.example.com:6432/temporal_visibility?sslmode=require&ApplicationName=x",
                        "kairos", "s3cret", 40),
                c.visibilityDb(), "only the database name is swapped; host, port, parameters and credentials are kept");
        assertTrue(c.autoMigrate());
        assertEquals("prod-eu", c.clusterName());
        assertEquals(512, c.historyShardCount());
        assertEquals(9191, c.metricsPort());
        assertEquals(new MetricsConfig(Map.of("taskqueue", List.of("orders"), "workflowType", List.of()), 50),
                c.metrics());

        ServiceEndpoint fe = c.endpoint(ServiceRole.FRONTEND);
        assertEquals(new ServiceEndpoint("10.0.0.5", 17233, "frontend.example.com:7233"), fe);
        assertEquals("frontend.example.com:7233", fe.target());
        assertEquals(new ServiceEndpoint("0.0.0.0", 17234, null), c.endpoint(ServiceRole.HISTORY));
        assertEquals(7235, c.endpoint(ServiceRole.MATCHING).port());
        assertEquals(7239, c.endpoint(ServiceRole.WORKER).port());
    }

    @Test
    void explicitVisibilitySection() {
        ServerConfig c = parse("""
                persistence:
                  default:
                    url: jdbc:postgresql://main:5432/temporal
                    user: main_user
                    password: main_pw
                  visibility:
                    url: jdbc:postgresql://vis:5433/vis_db
                    user: vis_user
                    password: vis_pw
                    maxConnections: 7
                """);
        assertEquals(new DatabaseConfig("jdbc:postgresql://main:5432/temporal", "main_user", "main_pw", 20), c.temporalDb());
        assertEquals(new DatabaseConfig("jdbc:postgresql://vis:5433/vis_db", "vis_user", "vis_pw", 7), c.visibilityDb());
    }

    @Test
    void explicitVisibilitySectionDoesNotInheritFromDefault() {
        ConfigException e = parseFails(Map.of(), """
                persistence:
                  default:
                    url: jdbc:postgresql://main:5432/temporal
                  visibility:
                    user: vis_user
                """);
        assertTrue(e.getMessage().contains("persistence.visibility.url"), e.getMessage());
    }

    @Test
    void autoMigrateAcceptsQuotedBooleansAndRejectsOthers() {
        assertTrue(parse(MINIMAL + "  autoMigrate: \"true\"\n").autoMigrate());
        assertFalse(parse(MINIMAL + "  autoMigrate: false\n").autoMigrate());
        ConfigException e = parseFails(Map.of(), MINIMAL + "  autoMigrate: maybe\n");
        assertTrue(e.getMessage().contains("persistence.autoMigrate"), e.getMessage());
    }

    @Test
    void environmentSubstitution() {
        Map<String, String> env = Map.of("PG_HOST", "pg-1.internal", "PG_USER", "svc", "SHARDS", "64",
                "FE_PORT", "8233", "AUTO", "true");
        ServerConfig c = loader(env).parse("""
                persistence:
                  default:
                    url: jdbc:postgresql://${PG_HOST}:${PG_PORT:-5432}/temporal
                    user: ${PG_USER:-ignored}
                    password: ${PG_PASSWORD:-}
                    maxConnections: ${POOL:-12}
                  autoMigrate: ${AUTO}
                cluster:
                  name: ${CLUSTER:-dc-1}
                  historyShardCount: ${SHARDS}
                services:
                  frontend:
                    port: ${FE_PORT:-1}
                  history:
                    port: ${HISTORY_PORT:-7300}
                """);
        assertEquals("jdbc:postgresql://pg-1.internal:5432/temporal", c.temporalDb().url());
        assertEquals("svc", c.temporalDb().user(), "a set variable wins over its default");
        assertEquals("", c.temporalDb().password(), "an empty default is allowed");
        assertEquals(12, c.temporalDb().maxConnections());
        assertTrue(c.autoMigrate());
        assertEquals("dc-1", c.clusterName());
        assertEquals(64, c.historyShardCount());
        assertEquals(8233, c.endpoint(ServiceRole.FRONTEND).port());
        assertEquals(7300, c.endpoint(ServiceRole.HISTORY).port());
        assertEquals("jdbc:postgresql://pg-1.internal:5432/temporal_visibility", c.visibilityDb().url());
    }

    @Test
    void substitutedValuesAreNotReExpanded() {
        ServerConfig c = loader(Map.of("PW", "a$b${X}\\z")).parse(MINIMAL + "    password: ${PW}\n");
        assertEquals("a$b${X}\\z", c.temporalDb().password());
    }

    @Test
    void missingVariableWithoutDefaultIsNamed() {
        ConfigException e = parseFails(Map.of(), """
                persistence:
                  default:
                    url: jdbc:postgresql://db:5432/temporal
                    password: ${KAIROS_SECRET_PW}
                """);
        assertTrue(e.getMessage().contains("KAIROS_SECRET_PW"), e.getMessage());

        ConfigException port = parseFails(Map.of(), MINIMAL + "metrics:\n  port: ${METRICS_PORT}\n");
        assertTrue(port.getMessage().contains("METRICS_PORT"), port.getMessage());
    }

    @Test
    void databaseEnvironmentVariablesOverrideTheFile() {
        Map<String, String> env = Map.of(
                "KAIROS_DB_URL", "jdbc:postgresql://from-env:5432/temporal",
                "KAIROS_DB_USER", "env_user",
                "KAIROS_DB_PASSWORD", "env_pw",
                "KAIROS_VISIBILITY_DB_URL", "jdbc:postgresql://vis-env:5432/vis",
                "KAIROS_VISIBILITY_DB_USER", "vis_env_user",
                "KAIROS_VISIBILITY_DB_PASSWORD", "vis_env_pw");
        ServerConfig c = loader(env).parse("""
                persistence:
                  default:
                    url: jdbc:postgresql://from-file:5432/temporal
                    user: file_user
                    password: file_pw
                """);
        assertEquals(new DatabaseConfig("jdbc:postgresql://from-env:5432/temporal", "env_user", "env_pw", 20), c.temporalDb());
        assertEquals(new DatabaseConfig("jdbc:postgresql://vis-env:5432/vis", "vis_env_user", "vis_env_pw", 20),
                c.visibilityDb());
    }

    @Test
    void visibilityEnvironmentVariablesOverrideTheVisibilitySection() {
        ServerConfig c = loader(Map.of("KAIROS_VISIBILITY_DB_PASSWORD", "vis_env_pw")).parse("""
                persistence:
                  default:
                    url: jdbc:postgresql://main:5432/temporal
                  visibility:
                    url: jdbc:postgresql://vis:5432/vis
                    user: vis_user
                    password: vis_file_pw
                """);
        assertEquals(new DatabaseConfig("jdbc:postgresql://vis:5432/vis", "vis_user", "vis_env_pw", 20), c.visibilityDb());
        assertEquals(new DatabaseConfig("jdbc:postgresql://main:5432/temporal", null, null, 20), c.temporalDb(),
                "visibility variables do not touch the default database");
    }

    @Test
    void emptyEnvironmentVariableDoesNotOverride() {
        ServerConfig c = loader(Map.of("KAIROS_DB_USER", "")).parse(MINIMAL + "    user: file_user\n");
        assertEquals("file_user", c.temporalDb().user());
    }

    @Test
    void urlFromEnvironmentAloneIsEnoughForTheDefaultDatabase() {
        ServerConfig c = loader(Map.of("KAIROS_DB_URL", "jdbc:postgresql://env:5432/temporal",
                "KAIROS_VISIBILITY_DB_URL", "jdbc:postgresql://env:5432/temporal_visibility")).parse("");
        assertEquals("jdbc:postgresql://env:5432/temporal", c.temporalDb().url());
        assertEquals("jdbc:postgresql://env:5432/temporal_visibility", c.visibilityDb().url());
    }

    @Test
    void derivedVisibilityFollowsTheDefaultDatabaseEnvironmentOverrides() {
        Map<String, String> env = Map.of(
                "KAIROS_DB_URL", "jdbc:postgresql://prod:5432/temporal",
                "KAIROS_DB_USER", "prod_user",
                "KAIROS_DB_PASSWORD", "prod_pw");
        ServerConfig fromEnvOnly = loader(env).parse("");
        assertEquals(new DatabaseConfig("jdbc:postgresql://prod:5432/temporal_visibility", "prod_user", "prod_pw", 20),
                fromEnvOnly.visibilityDb());

        ServerConfig overridden = loader(env).parse("""
                persistence:
                  default:
                    url: jdbc:postgresql://localhost:5432/temporal
                """);
        assertEquals(new DatabaseConfig("jdbc:postgresql://prod:5432/temporal_visibility", "prod_user", "prod_pw", 20),
                overridden.visibilityDb());
    }

    @Test
    void nonIntegralOrOverflowingNumbersAreRejected() {
        ConfigException fraction = parseFails(Map.of(), MINIMAL + "services:\n  frontend:\n    port: 7233.9\n");
        assertTrue(fraction.getMessage().contains("services.frontend.port"), fraction.getMessage());
        ConfigException overflow = parseFails(Map.of(), MINIMAL + "services:\n  frontend:\n    port: 4294974529\n");
        assertTrue(overflow.getMessage().contains("services.frontend.port"), overflow.getMessage());
    }

    @Test
    void derivedVisibilityIsNeverTheTemporalDatabase() {
        for (String url : new String[] {"jdbc:postgresql://db:5432", "jdbc:postgresql:temporal"}) {
            String yaml = "persistence:\n  default:\n    url: " + url + "\n";
            ServerConfig c;
            try {
                c = parse(yaml);
            } catch (ConfigException refused) {
                continue; // refusing the ambiguous URL is acceptable too
            }
            assertTrue(!c.visibilityDb().url().equals(c.temporalDb().url()),
                    url + " derived visibility url " + c.visibilityDb().url());
        }
    }

    @Test
    void missingUrlIsAnError() {
        ConfigException e = parseFails(Map.of(), "cluster:\n  name: x\n");
        assertTrue(e.getMessage().contains("persistence.default.url"), e.getMessage());
        assertTrue(e.getMessage().contains("KAIROS_DB_URL"), e.getMessage());
    }

    @Test
    void unknownKeysAreRejectedWithTheirPath() {
        ConfigException typo = parseFails(Map.of(), """
                persistence:
                  defualt:
                    url: jdbc:postgresql://db:5432/temporal
                """);
        assertTrue(typo.getMessage().contains("persistence.defualt"), typo.getMessage());

        ConfigException top = parseFails(Map.of(), MINIMAL + "clustr:\n  name: x\n");
        assertTrue(top.getMessage().contains("clustr"), top.getMessage());

        ConfigException deep = parseFails(Map.of(), MINIMAL + "services:\n  frontend:\n    prot: 1\n");
        assertTrue(deep.getMessage().contains("services.frontend.prot"), deep.getMessage());

        ConfigException db = parseFails(Map.of(), MINIMAL + "    maxConnection: 3\n");
        assertTrue(db.getMessage().contains("persistence.default.maxConnection"), db.getMessage());

        ConfigException service = parseFails(Map.of(), MINIMAL + "services:\n  gateway:\n    port: 1\n");
        assertTrue(service.getMessage().contains("services.gateway"), service.getMessage());
    }

    @Test
    void nonNumericValuesAreRejected() {
        ConfigException port = parseFails(Map.of(), MINIMAL + "services:\n  frontend:\n    port: seventy\n");
        assertTrue(port.getMessage().contains("services.frontend.port"), port.getMessage());
        assertTrue(port.getMessage().contains("seventy"), port.getMessage());

        ConfigException metrics = parseFails(Map.of("MP", "x9"), MINIMAL + "metrics:\n  port: ${MP}\n");
        assertTrue(metrics.getMessage().contains("metrics.port"), metrics.getMessage());

        ConfigException shards = parseFails(Map.of(), MINIMAL + "cluster:\n  historyShardCount: many\n");
        assertTrue(shards.getMessage().contains("cluster.historyShardCount"), shards.getMessage());
    }

    @Test
    void rangeChecks() {
        ConfigException port = parseFails(Map.of(), MINIMAL + "services:\n  worker:\n    port: 70000\n");
        assertTrue(port.getMessage().contains("70000"), port.getMessage());

        ConfigException shards = parseFails(Map.of(), MINIMAL + "cluster:\n  historyShardCount: 0\n");
        assertTrue(shards.getMessage().contains("historyShardCount"), shards.getMessage());

        ConfigException pool = parseFails(Map.of(), MINIMAL + "    maxConnections: 0\n");
        assertTrue(pool.getMessage().contains("maxConnections"), pool.getMessage());
    }

    @Test
    void sectionsMustBeMappings() {
        ConfigException e = parseFails(Map.of(), "persistence: just-a-string\n");
        assertTrue(e.getMessage().contains("persistence must be a mapping"), e.getMessage());
        ConfigException root = parseFails(Map.of(), "- a\n- b\n");
        assertTrue(root.getMessage().contains("config must be a mapping"), root.getMessage());
    }

    @Test
    void devSectionsAreTlsAuthorizationAndNamespacesOnly(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve("dev.yaml");
        Files.writeString(f, """
                namespaces:
                  - name: ns1
                authorization:
                  jwtKeyProvider:
                    keySourceURIs: [http://127.0.0.1:1/certs]
                  authorizer: default
                  claimMapper: default
                """);
        ConfigLoader.DevSections d = loader(Map.of()).readDevSections(f);
        assertEquals(List.of("http://127.0.0.1:1/certs"), d.authorization().keySourceUris());
        assertTrue(d.authorization().enabled());
        assertEquals("ns1", d.namespaces().get(0).name());
        assertFalse(d.tls().frontend().server().enabled());
        Files.writeString(f, MINIMAL);
        ConfigException e = assertThrows(ConfigException.class, () -> loader(Map.of()).readDevSections(f));
        assertTrue(e.getMessage().contains("persistence"), e.getMessage());
    }

    @Test
    void readsAFileAndReportsAMissingOne(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("kairos.yaml");
        Files.writeString(file, MINIMAL + "cluster:\n  name: from-file\n");
        assertEquals("from-file", loader(Map.of()).read(file).clusterName());

        ConfigException e = assertThrows(ConfigException.class, () -> loader(Map.of()).read(dir.resolve("nope.yaml")));
        assertTrue(e.getMessage().contains("nope.yaml"), e.getMessage());
    }

    @Test
    void durationsTakeMillisecondsSecondsMinutesHoursDaysAndIso() {
        Map<String, Duration> cases = Map.of(
                "500ms", Duration.ofMillis(500), "5s", Duration.ofSeconds(5), "2m", Duration.ofMinutes(2),
                "1h", Duration.ofHours(1), "3d", Duration.ofDays(3), "72H", Duration.ofHours(72),
                "PT5S", Duration.ofSeconds(5), "P3D", Duration.ofDays(3), "P1DT12H", Duration.ofHours(36));
        cases.forEach((text, expected) -> assertEquals(expected,
                parse(MINIMAL + "cluster:\n  membership:\n    ttl: " + text + "\n    heartbeatInterval: 1ms\n")
                        .membershipTtl(), text));

        for (String bad : List.of("3w", "d", "1.5h", "soon")) {
            ConfigException e = parseFails(Map.of(), MINIMAL + "cluster:\n  membership:\n    ttl: " + bad + "\n");
            assertEquals("cluster.membership.ttl must be a duration such as 500ms, 5s, 2m, 1h or 3d, got '" + bad + "'",
                    e.getMessage());
        }
    }

    @Test
    void namespacesToCreateAtStart() {
        ServerConfig c = parse(MINIMAL + """
                namespaces:
                  - name: default
                    retention: 3d
                  - name: other
                    retention: 72h
                  - name: orders.prod
                """);
        assertEquals(List.of(
                new ConfiguredNamespace("default", Duration.ofDays(3)),
                new ConfiguredNamespace("other", Duration.ofHours(72)),
                new ConfiguredNamespace("orders.prod", ConfiguredNamespace.DEFAULT_RETENTION)), c.namespaces());
        assertEquals(Duration.ofDays(3), ConfiguredNamespace.DEFAULT_RETENTION, "Temporal's Helm chart default");

        assertEquals(List.of(new ConfiguredNamespace("flow", Duration.ofHours(1))),
                loader(Map.of("NS", "flow")).parse(MINIMAL + "namespaces: [{name: '${NS}', retention: 1h}]\n").namespaces(),
                "flow style and environment substitution");
        assertEquals(List.of(), parse(MINIMAL + "namespaces:\n").namespaces());
    }

    @Test
    void namespaceEntriesAreCheckedWithTheirPath() {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("[{name: a}, {retention: 3d}]", "namespaces[1].name is required");
        cases.put("[{name: ''}]", "namespaces[0].name is required");
        cases.put("[{name: 'my ns'}]", "namespaces[0].name 'my ns' has invalid characters: use letters, digits, "
                + "'.', '_' and '-', starting with a letter or digit");
        cases.put("[{name: " + "n".repeat(1001) + "}]", "namespaces[0].name must be at most 1000 bytes long");
        cases.put("[{name: a}, {name: b}, {name: a}]", "namespaces[2].name 'a' is listed twice");
        cases.put("[{name: a}, {name: b, retention: 0s}]",
                "namespaces[1].retention must be between 1h and 36500d (as for RegisterNamespace), got '0s'");
        cases.put("[{name: a, retention: 30m}]",
                "namespaces[0].retention must be between 1h and 36500d (as for RegisterNamespace), got '30m'");
        cases.put("[{name: a, retention: -3d}]",
                "namespaces[0].retention must be between 1h and 36500d (as for RegisterNamespace), got '-3d'");
        cases.put("[{name: a, retention: 36501d}]",
                "namespaces[0].retention must be between 1h and 36500d (as for RegisterNamespace), got '36501d'");
        cases.put("[{name: a, retention: three days}]",
                "namespaces[0].retention must be a duration such as 500ms, 5s, 2m, 1h or 3d, got 'three days'");
        cases.put("[{name: a, retension: 3d}]",
                "unknown config key namespaces[0].retension (allowed: name, retention)");
        cases.put("{name: a}", "namespaces must be a list");
        cases.put("[default]", "namespaces[0] must be a mapping");
        cases.forEach((yaml, message) ->
                assertEquals(message, parseFails(Map.of(), MINIMAL + "namespaces: " + yaml + "\n").getMessage(), yaml));
    }

    @Test
    void poolSettingsAreReadAndInheritedByTheDerivedVisibilityDatabase() {
        ServerConfig c = parse(MINIMAL + """
                    maxConnections: 30
                    maxIdleConnections: 10
                    maxConnectionLifetime: 5m
                """);
        DatabaseConfig expected = new DatabaseConfig("jdbc:postgresql://db.internal:5432/temporal", null, null, 30, 10,
                Duration.ofMinutes(5));
        assertEquals(expected, c.temporalDb());
        assertEquals(expected.withUrl("jdbc:postgresql://db.internal:5432/temporal_visibility"), c.visibilityDb());

        ServerConfig own = parse(MINIMAL + """
                    maxIdleConnections: 0
                    maxConnectionLifetime: 0
                  visibility:
                    url: jdbc:postgresql://vis:5432/vis
                    maxConnections: 1
                """);
        assertEquals(0, own.temporalDb().maxIdleConnections());
        assertEquals(Duration.ZERO, own.temporalDb().maxConnectionLifetime(), "0: connections are never retired");
        assertEquals(new DatabaseConfig("jdbc:postgresql://vis:5432/vis", null, null, 1, 1, Duration.ofMinutes(30)),
                own.visibilityDb(), "an explicit section has its own defaults: idle capped by maxConnections");
        assertEquals(Duration.ofSeconds(30), parse(MINIMAL + "    maxConnectionLifetime: 30s\n").temporalDb()
                .maxConnectionLifetime(), "HikariCP's minimum");
    }

    @Test
    void poolSettingsAreCheckedWithTheirPath() {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("    maxConnections: 5\n    maxIdleConnections: 6\n",
                "persistence.default.maxIdleConnections must be between 0 and maxConnections (5), got 6");
        cases.put("    maxIdleConnections: -1\n",
                "persistence.default.maxIdleConnections must be between 0 and maxConnections (20), got -1");
        cases.put("    maxConnectionLifetime: 29s\n",
                "persistence.default.maxConnectionLifetime must be 0 (no limit) or at least 30s, got 29000ms");
        cases.put("    maxConnectionLifetime: -1m\n",
                "persistence.default.maxConnectionLifetime must be 0 (no limit) or at least 30s, got -60000ms");
        cases.put("    maxConnectionLifetime: long\n",
                "persistence.default.maxConnectionLifetime must be a duration such as 500ms, 5s, 2m, 1h or 3d, got 'long'");
        cases.put("  visibility:\n    url: jdbc:postgresql://vis/v\n    maxConnectionLifetime: 1s\n",
                "persistence.visibility.maxConnectionLifetime must be 0 (no limit) or at least 30s, got 1000ms");
        cases.put("    maxConnections: 0\n", "persistence.default.maxConnections must be >= 1, got 0");
        cases.put("    url: ' '\n", "persistence.default.url is required");
        cases.forEach((yaml, message) -> assertEquals(message, parseFails(Map.of(),
                "persistence:\n  default:\n" + (yaml.startsWith("    url:") ? "" : "    url: jdbc:postgresql://db/t\n") + yaml)
                .getMessage(), yaml));
    }

    @Test
    void tlsSectionMirrorsTemporalsGlobalTls() {
        ServerConfig c = parse(MINIMAL + """
                tls:
                  refreshInterval: 30s
                  frontend:
                    server:
                      certFile: /certs/frontend/tls.crt
                      keyFile: /certs/frontend/tls.key
                      requireClientAuth: true
                      clientCaFiles: [/certs/clients/ca.crt, "${EXTRA_CA:-/certs/extra.crt}"]
                    client:
                      serverName: temporal.example
                  internode:
                    server:
                      certData: %s
                      keyData: %s
                      requireClientAuth: true
                      clientCaData: [%s]
                    client:
                      serverName: kairos-internode
                      rootCaFiles: /certs/internode/ca.crt
                      disableHostVerification: true
                """.formatted(b64("cert"), b64("key"), b64("ca")));
        TlsConfig tls = c.tls();
        assertEquals(Duration.ofSeconds(30), tls.refreshInterval());
        assertEquals(new TlsConfig.Server("/certs/frontend/tls.crt", "/certs/frontend/tls.key", null, null, true,
                List.of("/certs/clients/ca.crt", "/certs/extra.crt"), List.of()), tls.frontend().server());
        assertEquals("tls.frontend", tls.frontend().name());
        assertEquals("temporal.example", tls.frontend().client().serverName());
        assertEquals(b64("cert"), tls.internode().server().certData());
        assertEquals(List.of(b64("ca")), tls.internode().server().clientCaData());
        assertEquals(new TlsConfig.Client("kairos-internode", List.of("/certs/internode/ca.crt"), List.of(), true, false),
                tls.internode().client());
        assertTrue(tls.internode().serverEnabled() && tls.internode().clientEnabled());

        TlsConfig none = parse(MINIMAL).tls();
        assertFalse(none.frontend().serverEnabled() || none.internode().clientEnabled());
        assertEquals(TlsConfig.DEFAULT_REFRESH_INTERVAL, none.refreshInterval());
        assertTrue(parse(MINIMAL + "tls:\n  internode:\n    client:\n    forceTLS: true\n".replace("    forceTLS", "      forceTLS"))
                .tls().internode().clientEnabled(), "forceTLS: TLS to peers with the default trust store");
    }

    private static String b64(String s) {
        return java.util.Base64.getEncoder().encodeToString(("-----BEGIN X-----\n" + s + "\n-----END X-----\n").getBytes());
    }

    @Test
    void tlsMistakesNameTheirKey() {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("  frontend:\n    server:\n      certFile: /c\n",
                "tls.frontend.server.keyFile (or keyData) is required with a certificate");
        cases.put("  internode:\n    server:\n      keyFile: /k\n",
                "tls.internode.server.certFile (or certData) is required with a key");
        cases.put("  frontend:\n    server:\n      certFile: /c\n      certData: " + b64("c") + "\n      keyFile: /k\n",
                "tls.frontend.server: give certFile or certData, not both");
        cases.put("  frontend:\n    server:\n      certFile: /c\n      keyFile: /k\n      requireClientAuth: true\n",
                "tls.frontend.server.requireClientAuth needs clientCaFiles (or clientCaData): the CAs client "
                        + "certificates must chain to");
        cases.put("  frontend:\n    server:\n      requireClientAuth: true\n      clientCaFiles: [/ca]\n",
                "tls.frontend.server.certFile (or certData) is required: client authentication needs a TLS listener");
        cases.put("  internode:\n    server:\n      certFile: /c\n      keyFile: /k\n      clientCaFiles: ['']\n",
                "tls.internode.server.clientCaFiles[0] must not be empty");
        cases.put("  internode:\n    server:\n      certData: '%%%'\n      keyFile: /k\n",
                "tls.internode.server.certData must be base64-encoded PEM: Illegal base64 character 25");
        cases.put("  internode:\n    client:\n      serverName: kairos\n",
                "tls.internode.client has no effect without TLS: set tls.internode.server.certFile, rootCaFiles or forceTLS");
        cases.put("  internode:\n    client:\n      rootCaFiles: [/a]\n      rootCaData: [" + b64("a") + "]\n",
                "tls.internode.client: give rootCaFiles or rootCaData, not both");
        cases.put("  internode:\n    server:\n      certFile: /c\n      keyFile: /k\n      hostOverrides: {}\n",
                "unknown config key tls.internode.server.hostOverrides (allowed: certFile, keyFile, certData, keyData, "
                        + "requireClientAuth, clientCaFiles, clientCaData)");
        cases.put("  systemWorker: {}\n",
                "unknown config key tls.systemWorker (allowed: frontend, internode, refreshInterval)");
        cases.put("  refreshInterval: -1s\n", "tls.refreshInterval must not be negative, got PT-1S");
        cases.forEach((yaml, message) -> assertEquals(message, parseFails(Map.of(), MINIMAL + "tls:\n" + yaml)
                .getMessage(), yaml));
    }

    @Test
    void authorizationIsOffWithoutItsSection() {
        assertEquals(AuthorizationConfig.NONE, parse(MINIMAL).authorization());
        assertFalse(parse(MINIMAL).authorization().enabled());
        assertFalse(parse(MINIMAL + "authorization:\n").authorization().enabled());
    }

    @Test
    void authorizationSectionAsTemporalWritesIt() {
        AuthorizationConfig a = loader(Map.of("KEYCLOAK_HOST", "kc.example", "KEYCLOAK_REALM", "ops")).parse(MINIMAL + """
                authorization:
                  jwtKeyProvider:
                    keySourceURIs:
                      - https://${KEYCLOAK_HOST}/realms/${KEYCLOAK_REALM}/protocol/openid-connect/certs
                      - file:///etc/temporal/extra-jwks.json
                    refreshInterval: 5m
                  permissionsClaimName: temporal-permissions
                  permissionsRegex: '^(?P<namespace>[\\w-]+):(?P<role>\\w+)$'
                  audience: temporal
                  authorizer: default
                  claimMapper: Default
                  authHeaderName: Authorization
                  authExtraHeaderName: authorization-extras
                """).authorization();
        assertEquals(List.of("https://kc.example/realms/ops/protocol/openid-connect/certs",
                "file:///etc/temporal/extra-jwks.json"), a.keySourceUris());
        assertEquals(Duration.ofMinutes(5), a.refreshInterval());
        assertEquals("temporal-permissions", a.permissionsClaimName());
        assertEquals("^(?P<namespace>[\\w-]+):(?P<role>\\w+)$", a.permissionsRegex());
        assertEquals("temporal", a.audience());
        assertEquals("default", a.authorizer());
        assertEquals("default", a.claimMapper());
        assertEquals("Authorization", a.authHeaderName());
        assertTrue(a.enabled());
        assertTrue(AuthorizationConfig.compilePermissionsRegex(a.permissionsRegex()).matcher("ns-1:admin").matches());

        AuthorizationConfig defaults = parse(MINIMAL + """
                authorization:
                  jwtKeyProvider: { keySourceURIs: [ "https://idp/certs" ] }
                  authorizer: default
                  claimMapper: default
                """).authorization();
        assertEquals(AuthorizationConfig.DEFAULT_REFRESH_INTERVAL, defaults.refreshInterval());
        assertEquals("permissions", defaults.permissionsClaimName());
        assertNull(defaults.permissionsRegex());
        assertNull(defaults.audience());
        assertEquals("authorization", defaults.authHeaderName());
        assertEquals("authorization-extras", defaults.authExtraHeaderName());
    }

    @Test
    void authorizationMistakesAreRefused() {
        String keys = "  jwtKeyProvider: { keySourceURIs: [ \"https://idp/certs\" ] }\n";
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("  authoriser: default\n", "unknown config key authorization.authoriser");
        cases.put("  jwtKeyProvider: { keySourceUris: [] }\n", "unknown config key authorization.jwtKeyProvider.keySourceUris");
        cases.put("  authorizer: custom\n  claimMapper: default\n" + keys, "authorization.authorizer must be 'default' or empty, got 'custom'");
        cases.put("  claimMapper: jwt\n" + keys, "authorization.claimMapper must be 'default' or empty, got 'jwt'");
        cases.put("  authorizer: default\n" + keys, "authorization.authorizer: default needs authorization.claimMapper: default");
        cases.put("  authorizer: default\n  claimMapper: default\n", "authorization.claimMapper: default needs authorization.jwtKeyProvider.keySourceURIs");
        cases.put("  claimMapper: default\n  jwtKeyProvider: { keySourceURIs: [ {a: 1} ] }\n", "authorization.jwtKeyProvider.keySourceURIs[0] must be a string");
        cases.put("  claimMapper: default\n  permissionsRegex: '(?P<ns>\\w+):(?P<role>\\w+)'\n" + keys, "authorization.permissionsRegex must have the named groups 'namespace' and 'role'");
        cases.put("  claimMapper: default\n  permissionsRegex: '(?P<namespace>'\n" + keys, "authorization.permissionsRegex is not a valid regular expression");
        cases.put("  claimMapper: default\n  authHeaderName: 'x auth'\n" + keys, "authorization.authHeaderName must be a gRPC header name");
        cases.put("  claimMapper: default\n  authHeaderName: token-bin\n" + keys, "authorization.authHeaderName must be a gRPC header name");
        cases.put("  claimMapper: default\n  jwtKeyProvider: { keySourceURIs: [ x ], refreshInterval: soon }\n", "authorization.jwtKeyProvider.refreshInterval must be a duration");
        cases.forEach((yaml, message) -> {
            String got = parseFails(Map.of(), MINIMAL + "authorization:\n" + yaml).getMessage();
            assertTrue(got.startsWith(message), "'" + got + "' should start with '" + message + "'");
        });
    }

    @Test
    void metricsCanBeSwitchedOffAndTheLimitIsChecked() {
        assertFalse(parse(MINIMAL + "metrics:\n  enabled: false\n").metrics().enabled());
        ConfigException limit = parseFails(Map.of(), MINIMAL + "metrics:\n  tagValueLimit: -1\n");
        assertTrue(limit.getMessage().contains("tagValueLimit"), limit.getMessage());
    }
}
