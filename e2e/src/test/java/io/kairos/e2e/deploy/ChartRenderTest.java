package io.kairos.e2e.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * helm lint --strict and helm template over the chart's values profiles; every document parses as the
 * Kubernetes model, server pods meet the "restricted" Pod Security Standard and the rest "baseline".
 */
class ChartRenderTest {
    static final List<String> SERVICES = List.of("frontend", "history", "matching", "worker");

    @Test
    void lintsStrictly() {
        LintResult r = new Helm(Chart.dir()).lint().strict().call();
        assertFalse(r.isFailed(), () -> "helm lint --strict: " + r.getMessages());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "external-postgres", "oidc-web", "service-monitor", "external-secrets", "upstream-0.52",
            "secured", "archival-s3"})
    void everyProfileRendersValidDocuments(String profile) {
        Chart.Rendered r = profile.isEmpty() ? Chart.render() : Chart.render(profile);
        for (Chart.Doc d : r.docs()) {
            KubeModel.parse(d);
        }
        for (String svc : SERVICES) {
            PodSpec pod = KubeModel.parse(r.get("Deployment", "temporal-" + svc), Deployment.class)
                    .getSpec().getTemplate().getSpec();
            assertRestrictedServerPod(svc, pod);
        }
        assertRestrictedServerPod("schema", KubeModel.parse(r.get("Job", "temporal-schema"), Job.class)
                .getSpec().getTemplate().getSpec());
        for (String other : List.of("web", "admintools")) {
            PodSpec pod = KubeModel.parse(r.get("Deployment", "temporal-" + other), Deployment.class)
                    .getSpec().getTemplate().getSpec();
            assertEquals(List.of(), PodSecurity.baseline(pod), other + " must meet baseline");
        }
        // What Helm applies before the release (hooks) versus with it: a plain render leaves hooks out.
        Chart.Rendered plain = profile.isEmpty()
                ? Chart.renderWithoutHooks(List.of(), Map.of())
                : Chart.renderWithoutHooks(List.of(Chart.profile(profile)), Map.of());
        Set<String> hooks = r.docs().stream().filter(d -> !d.hook().isEmpty())
                .map(d -> d.kind() + "/" + d.name()).collect(Collectors.toSet());
        assertTrue(hooks.containsAll(Set.of("Job/temporal-schema", "ConfigMap/temporal-schema-config",
                "Pod/temporal-test")), () -> "hooks: " + hooks);
        List<String> expectedPlain = new ArrayList<>(r.names());
        expectedPlain.removeAll(hooks);
        assertEquals(Set.copyOf(expectedPlain), Set.copyOf(plain.names()));
    }

    private static void assertRestrictedServerPod(String name, PodSpec pod) {
        assertEquals(List.of(), PodSecurity.restricted(pod), name + " must meet restricted");
        for (Container c : pod.getContainers()) {
            var sc = c.getSecurityContext();
            assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), name + ": read-only root filesystem");
            long uid = sc.getRunAsUser() != null ? sc.getRunAsUser() : pod.getSecurityContext().getRunAsUser();
            assertEquals(1000L, uid, name + ": runs as uid 1000");
            assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")),
                    name + ": /tmp is writable (an emptyDir)");
        }
    }

    @Test
    void defaultsGiveTemporalsNamesPortsAndProbes() {
        Chart.Rendered r = Chart.render();
        Service fe = KubeModel.parse(r.get("Service", "temporal-frontend"), Service.class);
        assertEquals("ClusterIP", fe.getSpec().getType());
        assertEquals(List.of("grpc-rpc:7233"), ports(fe));
        Map<String, Integer> rpc = Map.of("frontend", 7233, "history", 7234, "matching", 7235, "worker", 7239);
        for (String svc : SERVICES) {
            Service headless = KubeModel.parse(r.get("Service", "temporal-" + svc + "-headless"), Service.class);
            assertEquals("None", headless.getSpec().getClusterIP());
            assertEquals(List.of("grpc-rpc:" + rpc.get(svc), "metrics:9090"), ports(headless));
            assertEquals("9090", headless.getMetadata().getAnnotations().get("prometheus.io/port"));
            Deployment d = KubeModel.parse(r.get("Deployment", "temporal-" + svc), Deployment.class);
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertEquals(List.of("start", "--config", "/etc/kairos/config.yaml", "--services", svc, "--log-level", "info"),
                    c.getArgs());
            assertEquals(rpc.get(svc), c.getReadinessProbe().getGrpc().getPort());
            assertEquals(rpc.get(svc), c.getLivenessProbe().getGrpc().getPort());
            assertEquals("temporal-postgres-auth", secretOf(c, "TEMPORAL_STORE_PASSWORD"));
            assertEquals(1, d.getSpec().getReplicas());
            assertFalse(r.has("PodDisruptionBudget", "temporal-" + svc), "no PDB for one replica");
        }
        assertEquals("temporal.api.workflowservice.v1.WorkflowService", container(r, "frontend").getReadinessProbe()
                .getGrpc().getService());
        Job schema = KubeModel.parse(r.get("Job", "temporal-schema"), Job.class);
        assertEquals("schema", schema.getSpec().getTemplate().getMetadata().getLabels().get("app.kubernetes.io/component"));
        assertEquals(List.of("schema", "migrate", "--config", "/etc/kairos/config.yaml"),
                schema.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
        assertEquals("pre-install,pre-upgrade", r.get("Job", "temporal-schema").hook().get("helm.sh/hook"));
        // The admin tools reach the frontend by its Service, as the seed's troubleshooting commands do.
        Container admin = KubeModel.parse(r.get("Deployment", "temporal-admintools"), Deployment.class).getSpec()
                .getTemplate().getSpec().getContainers().get(0);
        assertEquals("temporal-frontend.temporal.svc:7233", env(admin, "TEMPORAL_ADDRESS"));
        assertEquals("temporal-frontend.temporal.svc:7233", env(admin, "TEMPORAL_CLI_ADDRESS"));
        assertTrue(admin.getImage().startsWith("temporalio/admin-tools:"));
        Container web = KubeModel.parse(r.get("Deployment", "temporal-web"), Deployment.class).getSpec().getTemplate()
                .getSpec().getContainers().get(0);
        assertTrue(web.getImage().startsWith("temporalio/ui:"));
        assertEquals("temporal-frontend.temporal.svc:7233", env(web, "TEMPORAL_ADDRESS"));
        assertNull(env(web, "TEMPORAL_AUTH_ENABLED"));
        assertEquals(List.of("http:8080"), ports(KubeModel.parse(r.get("Service", "temporal-web"), Service.class)));
        assertFalse(r.has("ServiceMonitor", "temporal-frontend"), "no ServiceMonitor unless asked");
        assertTrue(r.kind("ExternalSecret").isEmpty());
        assertTrue(r.kind("NetworkPolicy").isEmpty());
        assertTrue(r.get("ConfigMap", "temporal-config").node().path("data").path("config.yaml").asText()
                .contains("historyShardCount: 512"));
    }

    @Test
    void externalPostgresGoesIntoTheJdbcUrlAndTheSecretRefs() {
        Chart.Rendered r = Chart.render("external-postgres");
        String config = r.get("ConfigMap", "temporal-config").node().path("data").path("config.yaml").asText();
        assertTrue(config.contains("url: \"jdbc:postgresql://db.example.internal:6543/kairos_main?"
                + "sslmode=verify-full&sslrootcert=%2Fetc%2Fdb-ca%2Fca.crt&targetServerType=primary\""), config);
        assertTrue(config.contains("url: \"jdbc:postgresql://db.example.internal:6543/kairos_visibility\""), config);
        assertTrue(config.contains("user: \"app\""));
        assertTrue(config.contains("maxConnections: 40") && config.contains("maxIdleConnections: 4")
                && config.contains("maxConnectionLifetime: \"1h\""), config);
        assertTrue(r.kind("Secret").isEmpty(), "an existing Secret is used, none is created");
        for (String svc : SERVICES) {
            Container c = container(r, svc);
            assertEquals("pg-credentials", secretOf(c, "TEMPORAL_STORE_PASSWORD"));
            assertEquals("pw", c.getEnv().stream().filter(e -> e.getName().equals("TEMPORAL_STORE_PASSWORD"))
                    .findFirst().orElseThrow().getValueFrom().getSecretKeyRef().getKey());
            assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/etc/db-ca")));
        }
    }

    @Test
    void oidcWebUiBehindTraefik() {
        Chart.Rendered r = Chart.render("oidc-web");
        Container web = KubeModel.parse(r.get("Deployment", "temporal-web"), Deployment.class).getSpec().getTemplate()
                .getSpec().getContainers().get(0);
        assertEquals("true", env(web, "TEMPORAL_AUTH_ENABLED"));
        assertEquals("https://auth.example.com/realms/buunstack", env(web, "TEMPORAL_AUTH_PROVIDER_URL"));
        assertEquals("https://temporal.example.com/auth/sso/callback", env(web, "TEMPORAL_AUTH_CALLBACK_URL"));
        assertEquals("openid,profile,email", env(web, "TEMPORAL_AUTH_SCOPES"));
        assertEquals("temporal-web-auth", web.getEnvFrom().get(0).getSecretRef().getName(),
                "client id and secret come from the Secret");
        Ingress ing = KubeModel.parse(r.get("Ingress", "temporal-web"), Ingress.class);
        assertEquals("traefik", ing.getSpec().getIngressClassName());
        assertEquals("temporal.example.com", ing.getSpec().getRules().get(0).getHost());
        assertEquals("temporal-web", ing.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend()
                .getService().getName());
        assertEquals("temporal-web-tls", ing.getSpec().getTls().get(0).getSecretName());
        assertEquals("websecure", ing.getMetadata().getAnnotations().get("traefik.ingress.kubernetes.io/router.entrypoints"));
    }

    @Test
    void serviceMonitorsPerServiceWithOverrides() {
        Chart.Rendered r = Chart.render("service-monitor");
        for (String svc : SERVICES) {
            ServiceMonitor sm = KubeModel.parse(r.get("ServiceMonitor", "temporal-" + svc), ServiceMonitor.class);
            assertEquals("kube-prometheus-stack", sm.getMetadata().getLabels().get("release"));
            assertEquals("metrics", sm.getSpec().getEndpoints().get(0).getPort());
            assertEquals(svc.equals("history") ? "15s" : "30s", sm.getSpec().getEndpoints().get(0).getInterval());
            assertEquals("temporal_namespace",
                    sm.getSpec().getEndpoints().get(0).getMetricRelabelings().get(0).getTargetLabel());
            // the labels Temporal's stock dashboards group by, on every service's targets
            assertEquals(List.of("kubernetes_pod_name", "temporal_service_type"), sm.getSpec().getEndpoints().get(0)
                    .getRelabelings().stream().map(c -> c.getTargetLabel()).toList());
            assertEquals(Map.of("app.kubernetes.io/name", "temporal", "app.kubernetes.io/instance", "temporal",
                    "app.kubernetes.io/component", svc, "app.kubernetes.io/headless", "true"),
                    sm.getSpec().getSelector().getMatchLabels());
        }
    }

    @Test
    void grafanaDashboardConfigMapForTheSidecar() throws Exception {
        assertFalse(Chart.render(List.of(), Map.of()).has("ConfigMap", "temporal-grafana-dashboards"));
        Chart.Rendered r = Chart.render(List.of(), Map.of("server.metrics.grafanaDashboards.enabled", true,
                "server.metrics.grafanaDashboards.namespace", "monitoring"));
        var cm = r.get("ConfigMap", "temporal-grafana-dashboards").node();
        assertEquals("1", cm.path("metadata").path("labels").path("grafana_dashboard").asText());
        assertEquals("monitoring", cm.path("metadata").path("namespace").asText());
        var dash = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                cm.path("data").path("kairos-server.json").asText());
        assertEquals("kairos-server", dash.path("uid").asText());
        assertTrue(dash.path("panels").size() >= 8, "the dashboard's panels survive the YAML embedding");
    }

    @Test
    void externalSecretsFromVault() {
        Chart.Rendered r = Chart.render("external-secrets");
        KubeModel.ExternalSecret pg = (KubeModel.ExternalSecret) KubeModel.parse(
                r.get("ExternalSecret", "temporal-postgres-auth"));
        assertEquals("ClusterSecretStore", pg.spec().secretStoreRef().kind());
        assertEquals("vault-secret-store", pg.spec().secretStoreRef().name());
        assertEquals("temporal/db", pg.spec().data().get(0).remoteRef().key());
        assertEquals("password", pg.spec().data().get(0).secretKey());
        assertEquals("Orphan", pg.spec().target().creationPolicy(), "re-creating the hook keeps the Secret");
        assertEquals("-10", r.get("ExternalSecret", "temporal-postgres-auth").hook().get("helm.sh/hook-weight"),
                "the password exists before the schema hook (weight 0) runs");
        KubeModel.ExternalSecret web = (KubeModel.ExternalSecret) KubeModel.parse(
                r.get("ExternalSecret", "temporal-web-auth"));
        assertEquals(List.of("TEMPORAL_AUTH_CLIENT_ID", "TEMPORAL_AUTH_CLIENT_SECRET"),
                web.spec().data().stream().map(KubeModel.ExternalSecret.Data::secretKey).toList());
        assertEquals("keycloak/client/temporal", web.spec().data().get(1).remoteRef().key());
        assertTrue(r.get("ExternalSecret", "temporal-web-auth").hook().isEmpty());
        Container webc = KubeModel.parse(r.get("Deployment", "temporal-web"), Deployment.class).getSpec()
                .getTemplate().getSpec().getContainers().get(0);
        assertEquals("temporal-web-auth", webc.getEnvFrom().get(0).getSecretRef().getName());
        assertTrue(r.kind("Secret").isEmpty());
    }

    @Test
    void upstreamValuesFileCarriesOver() {
        Chart.Rendered r = Chart.render("upstream-0.52");
        assertEquals(3, KubeModel.parse(r.get("Deployment", "temporal-frontend"), Deployment.class).getSpec().getReplicas());
        assertEquals(2, KubeModel.parse(r.get("Deployment", "temporal-history"), Deployment.class).getSpec().getReplicas());
        assertEquals(1, KubeModel.parse(r.get("Deployment", "temporal-worker"), Deployment.class).getSpec().getReplicas());
        assertEquals("512Mi", container(r, "history").getResources().getRequests().get("memory").toString());
        assertEquals("debug", container(r, "frontend").getArgs().get(6));
        for (String svc : List.of("frontend", "history", "matching")) {
            PodDisruptionBudget pdb = KubeModel.parse(r.get("PodDisruptionBudget", "temporal-" + svc),
                    PodDisruptionBudget.class);
            assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal());
        }
        assertFalse(r.has("PodDisruptionBudget", "temporal-worker"));
        String config = r.get("ConfigMap", "temporal-config").node().path("data").path("config.yaml").asText();
        assertTrue(config.contains("historyShardCount: 1024") && config.contains("postgres.databases.svc.cluster.local:5432"));
        assertEquals("temporal-db", secretOf(container(r, "matching"), "TEMPORAL_VISIBILITY_STORE_PASSWORD"));
        Container web = KubeModel.parse(r.get("Deployment", "temporal-web"), Deployment.class).getSpec().getTemplate()
                .getSpec().getContainers().get(0);
        assertEquals("https://auth.example.com/realms/ops", env(web, "TEMPORAL_AUTH_PROVIDER_URL"));
        assertEquals("temporal-web-oidc", web.getEnvFrom().get(0).getSecretRef().getName());
        // Temporal's chart writes ingress hosts as "host", "/" (any host) or "host/path".
        var rules = KubeModel.parse(r.get("Ingress", "temporal-web"), Ingress.class).getSpec().getRules();
        assertEquals(List.of("temporal.example.com /", "null /", "ops.example.com /temporal"), rules.stream()
                .map(rule -> rule.getHost() + " " + rule.getHttp().getPaths().get(0).getPath()).toList());
    }

    @Test
    void securedProfileMountsCertificatesAndAuthorizesWithTheRealmsKeys() {
        Chart.Rendered r = Chart.render("secured");
        String config = r.get("ConfigMap", "temporal-config").node().path("data").path("config.yaml").asText();
        assertTrue(config.contains("keySourceURIs:\n    - https://auth.example.com/realms/buunstack/protocol/openid-connect/certs"),
                config);
        assertTrue(config.contains("certFile: /etc/kairos/tls/frontend/tls.crt") && config.contains("requireClientAuth: true")
                && config.contains("serverName: \"temporal-internode\""), config);
        for (String svc : SERVICES) {
            Container c = container(r, svc);
            assertEquals("/health/ready", c.getReadinessProbe().getHttpGet().getPath(), svc + ": TLS port, HTTP probe");
            assertEquals("metrics", c.getLivenessProbe().getHttpGet().getPort().getStrVal());
            assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/etc/kairos/tls/internode")));
            assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/etc/kairos/tls/frontend")));
        }
        Container schema = KubeModel.parse(r.get("Job", "temporal-schema"), Job.class).getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        assertTrue(schema.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/etc/kairos/tls/internode")),
                "the schema job reads the same config, so it gets the same files");
        Container admin = KubeModel.parse(r.get("Deployment", "temporal-admintools"), Deployment.class).getSpec()
                .getTemplate().getSpec().getContainers().get(0);
        assertEquals("/etc/temporal-tls/client/tls.crt", env(admin, "TEMPORAL_TLS_CERT"));
        assertEquals("/etc/temporal-tls/client/tls.crt", env(admin, "TEMPORAL_CLI_TLS_CERT"));
        assertEquals("temporal-frontend", env(admin, "TEMPORAL_TLS_SERVER_NAME"));
        var adminPod = KubeModel.parse(r.get("Deployment", "temporal-admintools"), Deployment.class).getSpec()
                .getTemplate().getSpec();
        var ca = adminPod.getVolumes().stream().filter(v -> v.getName().equals("frontend-ca")).findFirst().orElseThrow();
        assertEquals(List.of("ca.crt"), ca.getSecret().getItems().stream().map(i -> i.getKey()).toList(),
                "clients get the frontend's CA, never its key");
        Container web = KubeModel.parse(r.get("Deployment", "temporal-web"), Deployment.class).getSpec().getTemplate()
                .getSpec().getContainers().get(0);
        assertEquals("/etc/temporal-tls/ca/ca.crt", env(web, "TEMPORAL_TLS_CA"));
        assertEquals("/etc/temporal-tls/client/tls.key", env(web, "TEMPORAL_TLS_KEY"));
        assertRenderFails("set server.tls.frontend.clientSecretName", Map.of(
                "server.tls.frontend.enabled", "true", "server.tls.frontend.secretName", "fe",
                "server.tls.frontend.requireClientAuth", "true"));
        assertRenderFails("server.tls.internode.serverName is required", Map.of(
                "server.tls.internode.enabled", "true", "server.tls.internode.secretName", "in"));
        assertRenderFails("needs jwtKeyProvider.keySourceURIs", Map.of(
                "server.config.authorization.authorizer", "default"));
    }

    @Test
    void networkPolicyKeepsInternalPortsInternal() {
        Chart.Rendered r = Chart.render(List.of(), Map.of("networkPolicy.enabled", "true"));
        for (String svc : SERVICES) {
            var np = KubeModel.parse(r.get("NetworkPolicy", "temporal-" + svc),
                    io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class);
            var rules = np.getSpec().getIngress();
            assertEquals("temporal", rules.get(0).getFrom().get(0).getPodSelector().getMatchLabels()
                    .get("app.kubernetes.io/instance"));
            boolean openRpc = rules.stream().anyMatch(rule -> rule.getFrom().isEmpty()
                    && rule.getPorts().stream().anyMatch(p -> "grpc-rpc".equals(p.getPort().getStrVal())));
            assertEquals(svc.equals("frontend"), openRpc, svc + ": rpc open to all only on the frontend");
        }
    }

    @Test
    void archivalSectionsGoIntoTheConfigAndTheS3KeyComesFromTheSecret() {
        Chart.Rendered r = Chart.render("archival-s3");
        String config = r.get("ConfigMap", "temporal-config").node().path("data").path("config.yaml").asText();
        assertTrue(config.contains("""
                archival:
                  history:
                    enableRead: true
                    provider:
                      s3store:
                        endpoint: http://minio.minio:9000
                        region: eu-central-1
                        s3ForcePathStyle: true
                    state: enabled"""), config);
        assertTrue(config.contains("""
                namespaceDefaults:
                  archival:
                    history:
                      URI: s3://temporal-archive/history
                      state: enabled"""), config);
        for (String svc : SERVICES) {
            Container c = container(r, svc);
            assertEquals("archive-s3", secretOf(c, "AWS_ACCESS_KEY_ID"));
            assertEquals("secret-key", c.getEnv().stream().filter(e -> e.getName().equals("AWS_SECRET_ACCESS_KEY"))
                    .findFirst().orElseThrow().getValueFrom().getSecretKeyRef().getKey());
        }
        // Without a Secret the SDK's default chain (the service account's web identity with IRSA) is left alone.
        Chart.Rendered plain = Chart.render();
        assertTrue(container(plain, "history").getEnv().stream().noneMatch(e -> e.getName().startsWith("AWS_")));
        assertFalse(plain.get("ConfigMap", "temporal-config").node().path("data").path("config.yaml").asText()
                .contains("archival"));
    }

    @Test
    void unknownKeysWrongTypesAndUnsupportedSettingsFailTheRender() {
        assertRenderFails("additional properties 'replicas' not allowed", Map.of("server.frontend.replicas", "2"));
        assertRenderFails("numHistoryShards': got string, want integer", Map.of("server.config.numHistoryShards", "many"));
        assertRenderFails("Kairos bundles no cassandra chart", Map.of("cassandra.enabled", "true"));
        assertRenderFails("value must be one of", Map.of("server.config.persistence.default.sql.driver", "mysql8"));
        assertRenderFails("set existingSecret", Map.of("server.config.persistence.visibility.sql.existingSecret", ""));
        assertRenderFails("web.auth.enabled needs web.auth.providerUrl", Map.of("web.auth.enabled", "true"));
        assertRenderFails("maxIdleConns (30) must not exceed maxConns (20)",
                Map.of("server.config.persistence.default.sql.maxIdleConns", "30"));
        assertRenderFails("value must be one of", Map.of("server.config.logFormat", "xml"));
        assertRenderFails("value must be one of", Map.of("server.archival.history.state", "on"));
        assertRenderFails("additional properties 'gstorage' not allowed",
                Map.of("server.archival.history.provider.gstorage.credentialsPath", "/k.json"));
    }

    @Test
    void jsonLogsAreAnArgOfEveryServerPod() {
        Chart.Rendered r = Chart.render(List.of(), Map.of("server.config.logFormat", "json"));
        for (String svc : SERVICES) {
            assertEquals(List.of("start", "--config", "/etc/kairos/config.yaml", "--services", svc, "--log-level", "info",
                    "--log-format", "json"), container(r, svc).getArgs());
        }
    }

    private static void assertRenderFails(String messagePart, Map<String, Object> set) {
        Exception e = assertThrows(Exception.class, () -> Chart.render(List.<Path>of(), set), () -> "render with " + set);
        assertTrue(e.getMessage().contains(messagePart), () -> "expected '" + messagePart + "' in: " + e.getMessage());
    }

    private static Container container(Chart.Rendered r, String svc) {
        return KubeModel.parse(r.get("Deployment", "temporal-" + svc), Deployment.class).getSpec().getTemplate()
                .getSpec().getContainers().get(0);
    }

    static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
    }

    private static String secretOf(Container c, String env) {
        return c.getEnv().stream().filter(e -> e.getName().equals(env)).findFirst().orElseThrow()
                .getValueFrom().getSecretKeyRef().getName();
    }

    private static List<String> ports(Service s) {
        return s.getSpec().getPorts().stream().map(ServicePort::getName).map(n -> n + ":" + s.getSpec().getPorts()
                .stream().filter(p -> p.getName().equals(n)).findFirst().orElseThrow().getPort()).toList();
    }
}
