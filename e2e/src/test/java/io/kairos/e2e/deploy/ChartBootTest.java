package io.kairos.e2e.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GRPCAction;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.kairos.e2e.ExternalPostgres;
import io.kairos.e2e.ServerProcess;
import io.kairos.e2e.auth.Jwks;
import io.kairos.server.tls.TestPki;
import io.temporal.authorization.AuthorizationGrpcMetadataProvider;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.function.UnaryOperator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rendered chart boots: the schema Job and the four server Deployments run as local processes exactly as their
 * pods would (the image's ENTRYPOINT on the image's jlink'ed runtime and jar, the container's args and env, the
 * rendered ConfigMap as the config file), against an embedded PostgreSQL standing in for the chart's database host.
 * The kubelet's probes are asked as the pod spec states them, and a workflow runs through the frontend Service's
 * port with the Java SDK.
 */
class ChartBootTest {
    private static final String SECRET = "boot-db";

    @TempDir
    Path work;

    @Test
    void renderedPodsServeAWorkflow() throws Exception {
        try (EmbeddedPostgres pg = ExternalPostgres.start(200)) {
            Chart.Rendered r = Chart.render(List.of(), values(pg));
            boot(r, Map.of(SECRET, Map.of("password", ExternalPostgres.PASSWORD)), frontend ->
                    assertEquals("workflow done after 42", runWorkflow(r, frontend, b -> b)));
        }
    }

    /**
     * The chart's secured profile: mTLS on the frontend (client certificates required) and between the four pods
     * from cert-manager-shaped Secrets, JWT authorization with the JWKS a test endpoint serves, HTTP probes.
     */
    @Test
    void securedPodsServeAWorkflowOverMutualTlsWithAToken() throws Exception {
        TestPki.Ca ca = new TestPki.Ca("chart-boot-ca");
        Map<String, Map<String, String>> secrets = new LinkedHashMap<>();
        secrets.put(SECRET, Map.of("password", ExternalPostgres.PASSWORD));
        // The names of the secured profile's Secrets, serverName values and a SAN the test dials.
        secrets.put("temporal-frontend-tls", tlsSecret(ca, ca.issue("temporal-frontend", List.of("temporal-frontend", "127.0.0.1"))));
        secrets.put("temporal-internode-tls", tlsSecret(ca, ca.issue("temporal-internode", List.of("temporal-internode"))));
        TestPki.Issued client = ca.issue("chart-boot-client", List.of());
        Jwks.Key key = Jwks.rsa("chart-boot");
        try (EmbeddedPostgres pg = ExternalPostgres.start(200); Jwks jwks = new Jwks()) {
            jwks.publish(List.of(key));
            Map<String, Object> values = values(pg);
            values.put("server.config.authorization.jwtKeyProvider.keySourceURIs[0]", jwks.uri());
            Chart.Rendered r = Chart.render(List.of(Chart.profile("secured")), values);
            assertTrue(r.get("ConfigMap", "temporal-config").node().toString().contains(jwks.uri()));
            SslContext mtls = GrpcSslContexts.forClient().trustManager(ca.cert())
                    .keyManager(client.key(), client.cert()).build();
            String token = "Bearer " + key.token(Jwks.claims("chart-boot", 600, "temporal", "default:write"));
            boot(r, secrets, frontend -> {
                assertNotNull(frontend.getReadinessProbe().getHttpGet(), "a TLS port is probed over HTTP");
                int port = frontendPort(r, frontend);
                // No client certificate: the handshake fails. A certificate but no token: PERMISSION_DENIED.
                SslContext anonymous = GrpcSslContexts.forClient().trustManager(ca.cert()).build();
                assertThrows(StatusRuntimeException.class, () -> describeDefault(port, b -> b.setSslContext(anonymous)));
                StatusRuntimeException denied = assertThrows(StatusRuntimeException.class,
                        () -> describeDefault(port, b -> b.setSslContext(mtls)));
                assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
                assertEquals("workflow done after 42", runWorkflow(r, frontend, b -> b.setSslContext(mtls)
                        .addGrpcMetadataProvider(new AuthorizationGrpcMetadataProvider(() -> token))));
            });
        }
    }

    private static Map<String, String> tlsSecret(TestPki.Ca ca, TestPki.Issued issued) {
        return Map.of("tls.crt", issued.certPem(), "tls.key", issued.keyPem(TestPki.KeyFormat.TRADITIONAL),
                "ca.crt", ca.certPem());
    }

    /** Chart values an operator sets; ports differ per service only because four "pods" share this host's network. */
    private static Map<String, Object> values(EmbeddedPostgres pg) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String store : List.of("default", "visibility")) {
            String p = "server.config.persistence." + store + ".sql.";
            values.put(p + "host", "127.0.0.1");
            values.put(p + "port", pg.getPort());
            values.put(p + "user", ExternalPostgres.USER);
            values.put(p + "existingSecret", SECRET);
        }
        for (String svc : ChartRenderTest.SERVICES) {
            values.put("server." + svc + ".service.port", ServerProcess.freePort());
            values.put("server." + svc + ".metrics.port", ServerProcess.freePort());
        }
        return values;
    }

    interface FrontendCheck {
        void run(Container frontend) throws Exception;
    }

    /** Runs the schema Job, then the four Deployments; checks probes, root filesystem and metrics; then the check. */
    private void boot(Chart.Rendered r, Map<String, Map<String, String>> secrets, FrontendCheck check) throws Exception {
        Job job = KubeModel.parse(r.get("Job", "temporal-schema"), Job.class);
        try (ServerProcess schema = LocalPod.start("schema", job.getSpec().getTemplate().getSpec(), r, secrets, work)) {
            assertEquals(0, schema.waitForExit(Duration.ofSeconds(120)), () -> "schema job: " + schema.stdout()
                    + schema.stderr());
            assertTrue(schema.stdout().stream().anyMatch(l -> l.startsWith("temporal: applied")), () -> schema.stdout().toString());
            assertTrue(schema.stdout().stream().anyMatch(l -> l.startsWith("temporal_visibility: applied")));
        }

        List<ServerProcess> pods = new ArrayList<>();
        Map<String, Container> containers = new LinkedHashMap<>();
        try {
            for (String svc : ChartRenderTest.SERVICES) {
                PodSpec spec = KubeModel.parse(r.get("Deployment", "temporal-" + svc), Deployment.class)
                        .getSpec().getTemplate().getSpec();
                containers.put(svc, spec.getContainers().get(0));
                pods.add(LocalPod.start(svc, spec, r, secrets, work));
            }
            for (var e : containers.entrySet()) {
                Container c = e.getValue();
                awaitProbe(e.getKey(), c, c.getStartupProbe(), pods);
                Boolean readOnly = LocalPod.rootIsReadOnly(pods.get(List.copyOf(containers.keySet())
                        .indexOf(e.getKey())).pid());
                assertTrue(readOnly == null || readOnly, e.getKey() + " runs with a read-only root filesystem");
                assertTrue(passes(c, c.getReadinessProbe()), e.getKey() + " ready");
                assertTrue(passes(c, c.getLivenessProbe()), e.getKey() + " live");
                int metricsPort = c.getPorts().stream().filter(p -> p.getName().equals("metrics")).findFirst()
                        .orElseThrow().getContainerPort();
                HttpResponse<String> m = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, m.statusCode(), e.getKey() + " metrics");
                assertTrue(m.body().contains("jvm_memory_used_bytes"), e.getKey() + " metrics body");
            }
            check.run(containers.get("frontend"));
        } finally {
            int grace = KubeModel.parse(r.get("Deployment", "temporal-frontend"), Deployment.class).getSpec()
                    .getTemplate().getSpec().getTerminationGracePeriodSeconds().intValue();
            pods.forEach(p -> ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroy));
            for (ServerProcess p : pods) {
                p.waitForExit(Duration.ofSeconds(grace));
            }
        }
    }

    /** The frontend Service's port resolved to the pod's container port, as kube-proxy would. */
    private static int frontendPort(Chart.Rendered r, Container frontend) {
        Service svc = KubeModel.parse(r.get("Service", "temporal-frontend"), Service.class);
        String targetPort = svc.getSpec().getPorts().get(0).getTargetPort().getStrVal();
        return frontend.getPorts().stream().filter(p -> p.getName().equals(targetPort)).findFirst().orElseThrow()
                .getContainerPort();
    }

    private static void describeDefault(int port, UnaryOperator<WorkflowServiceStubsOptions.Builder> options) {
        WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(options.apply(WorkflowServiceStubsOptions
                .newBuilder().setTarget("127.0.0.1:" + port)).build());
        try {
            stubs.blockingStub().withDeadlineAfter(20, TimeUnit.SECONDS).describeNamespace(
                    io.temporal.api.workflowservice.v1.DescribeNamespaceRequest.newBuilder().setNamespace("default").build());
        } finally {
            stubs.shutdownNow();
        }
    }

    private static String runWorkflow(Chart.Rendered r, Container frontend,
                                      UnaryOperator<WorkflowServiceStubsOptions.Builder> options) {
        int port = frontendPort(r, frontend);
        WorkflowServiceStubs stubs = WorkflowServiceStubs.newConnectedServiceStubs(options.apply(WorkflowServiceStubsOptions
                .newBuilder().setTarget("127.0.0.1:" + port)).build(), Duration.ofSeconds(30));
        try {
            // "default" exists because the chart's server.config.namespaces creates it at start.
            WorkflowClient client = WorkflowClient.newInstance(stubs,
                    WorkflowClientOptions.newBuilder().setNamespace("default").build());
            WorkerFactory factory = WorkerFactory.newInstance(client);
            var worker = factory.newWorker("chart-boot");
            worker.registerWorkflowImplementationTypes(BootWorkflowImpl.class);
            worker.registerActivitiesImplementations((BootActivities) n -> "done after " + n);
            factory.start();
            try {
                BootWorkflow wf = client.newWorkflowStub(BootWorkflow.class, WorkflowOptions.newBuilder()
                        .setTaskQueue("chart-boot").setWorkflowId("chart-boot-" + System.nanoTime())
                        .setWorkflowExecutionTimeout(Duration.ofSeconds(60)).build());
                return wf.run(42);
            } finally {
                factory.shutdownNow();
                factory.awaitTermination(10, TimeUnit.SECONDS);
            }
        } finally {
            stubs.shutdownNow();
        }
    }

    /** Polls a probe as the kubelet does: every periodSeconds, up to failureThreshold times. */
    static void awaitProbe(String name, Container c, Probe probe, List<ServerProcess> pods) throws InterruptedException {
        int attempts = probe.getFailureThreshold() * probe.getPeriodSeconds();
        for (int i = 0; i < attempts; i++) {
            if (passes(c, probe)) {
                return;
            }
            if (pods.stream().anyMatch(p -> !p.isAlive())) {
                break;
            }
            Thread.sleep(1000);
        }
        StringBuilder logs = new StringBuilder();
        pods.forEach(p -> logs.append(p.stdout()).append('\n').append(p.stderr()).append('\n'));
        throw new AssertionError(name + ": startup probe " + probe + " never passed\n" + logs);
    }

    /** One probe attempt as the kubelet makes it: gRPC Health/Check SERVING, or an HTTP GET answering 2xx/3xx. */
    static boolean passes(Container c, Probe probe) {
        if (probe.getGrpc() != null) {
            return check(probe.getGrpc()) == ServingStatus.SERVING;
        }
        if (probe.getHttpGet() != null) {
            var get = probe.getHttpGet();
            int port = get.getPort().getIntVal() != null ? get.getPort().getIntVal() : c.getPorts().stream()
                    .filter(p -> p.getName().equals(get.getPort().getStrVal())).findFirst().orElseThrow().getContainerPort();
            try {
                int status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
                        + LocalPod.POD_IP + ":" + port + get.getPath())).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                return status >= 200 && status < 400;
            } catch (java.io.IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        throw new AssertionError("probe kind not simulated: " + probe);
    }

    private static ServingStatus check(GRPCAction grpc) {
        ManagedChannel ch = ManagedChannelBuilder.forAddress(LocalPod.POD_IP, grpc.getPort()).usePlaintext().build();
        try {
            return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest
                    .newBuilder().setService(grpc.getService() == null ? "" : grpc.getService()).build()).getStatus();
        } catch (StatusRuntimeException e) {
            return null;
        } finally {
            ch.shutdownNow();
        }
    }

    @WorkflowInterface
    public interface BootWorkflow {
        @WorkflowMethod
        String run(int n);
    }

    @ActivityInterface
    public interface BootActivities {
        String describe(int n);
    }

    public static class BootWorkflowImpl implements BootWorkflow {
        @Override
        public String run(int n) {
            Workflow.sleep(Duration.ofMillis(500));
            BootActivities a = Workflow.newActivityStub(BootActivities.class, ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(10)).build());
            return "workflow " + a.describe(n);
        }
    }
}
