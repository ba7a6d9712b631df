package io.kairos.e2e.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.openshift.api.model.monitoring.v1.RelabelConfig;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.kairos.e2e.Clients;
import io.kairos.e2e.ServerProcess;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest;
import io.temporal.api.workflowservice.v1.StartBatchOperationRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Temporal's stock Grafana dashboards (temporalio/dashboards: server-general and the frontend, history and matching
 * ones) against a dev server that ran workflows, activities, timers, failures, a termination, a timeout, a
 * cancellation, a schedule and a batch job: the metric names and labels the panels use are on /metrics with
 * sensible values, and a real Prometheus, scraping through the chart's ServiceMonitor relabelings, answers every
 * panel's PromQL with data. Kairos's own dashboard (the chart's dashboards/) is evaluated the same way.
 */
class StockDashboardsTest {
    private static final String QUEUE = "dashboards";
    /**
     * Panels that stay empty in a healthy run, in Temporal as here: they plot errors or rare events this workload does
     * not cause. Their PromQL is still evaluated (a query error fails the test).
     */
    private static final Map<String, String> ERRORS_ONLY = Map.ofEntries(
            Map.entry("server/server-general.json#43", "service failures (expected errors are not service_errors)"),
            Map.entry("misc/matching-service-specific.json#4", "matching errors"),
            Map.entry("misc/history-service-specific.json#112", "events-cache misses: every history read was cached"),
            Map.entry("misc/history-service-specific.json#113", "events-cache misses"),
            Map.entry("misc/history-service-specific.json#121", "workflow tasks failed by a bad command"),
            Map.entry("misc/history-service-specific.json#123", "completions with two close commands"),
            Map.entry("server/server-general.json#17", "persistence errors by operation"),
            Map.entry("server/server-general.json#37", "client errors by operation"),
            Map.entry("misc/frontend-service-specific.json#22", "client errors by operation (frontend -> history)"),
            Map.entry("misc/frontend-service-specific.json#29", "client errors by operation (frontend -> matching)"),
            Map.entry("misc/history-service-specific.json#57", "transfer task errors"),
            Map.entry("misc/history-service-specific.json#60", "transfer task discards"),
            Map.entry("misc/history-service-specific.json#80", "timer task errors"),
            Map.entry("misc/history-service-specific.json#82", "timer task discards"),
            Map.entry("misc/matching-service-specific.json#22", "client errors by operation (matching -> history)"),
            Map.entry("misc/matching-service-specific.json#35", "condition failed errors"),
            Map.entry("misc/matching-service-specific.json#39", "expired tasks"),
            Map.entry("misc/advanced-visibility-specific.json#6", "visibility task discards"),
            Map.entry("misc/advanced-visibility-specific.json#18", "visibility task errors"),
            Map.entry("misc/worker-service-specific.json#60", "batch operation errors"));
    /**
     * The error breakdown panels' {@code sum by (__name__) (rate({__name__=~"service_errors_.*"}[5m]))}: rate() drops
     * the metric name, so as soon as two error kinds share their labels (an ALREADY_EXISTS and an INVALID_ARGUMENT
     * answer to StartWorkflowExecution in one namespace) Prometheus 2 refuses the query with this error. Temporal's
     * breakdown counters carry the same labels, so the panel fails there alike; the panels' other targets answer.
     */
    private static final String SAME_LABELSET = "vector cannot contain metrics with the same labelset";
    /** Panels of mechanisms Kairos does not have, and why. */
    private static final Map<String, String> NOT_APPLICABLE = Map.ofEntries(
            Map.entry("misc/history-service-specific.json#98", "no separate load of the current execution: the "
                    + "current run is looked up through HistoryCacheGetOrCreateCurrent"),
            Map.entry("misc/history-service-specific.json#99", "no separate load of the current execution"),
            Map.entry("misc/history-service-specific.json#125", "no stale-mutable-state check: state is versioned in "
                    + "the database write, a stale write fails the commit and is re-run"),
            Map.entry("server/server-general.json#7", "queries operation TimerActiveTaskWorkflowTimeout, which "
                    + "Temporal no longer emits: its workflow task timeouts carry TimerActiveTaskWorkflowTaskTimeout, "
                    + "as Kairos's do (asserted in assertMetricsAndLabels)"),
            Map.entry("misc/history-service-specific.json#74", "a histogram Temporal exports without _bucket: the "
                    + "panel's histogram_quantile over sharditem_acquisition_latency has no buckets in Temporal either"),
            Map.entry("misc/matching-service-specific.json#41", "one partition per task queue: nothing is forwarded"),
            Map.entry("misc/matching-service-specific.json#46", "one partition per task queue: no partition matches"),
            Map.entry("misc/matching-service-specific.json#47", "one partition per task queue: no partition matches"),
            Map.entry("misc/matching-service-specific.json#48", "one partition per task queue: no partition matches"),
            Map.entry("misc/matching-service-specific.json#49", "one partition per task queue: no partition matches"));

    @WorkflowInterface
    public interface Dash {
        @WorkflowMethod(name = "DashboardsWorkflow")
        String run(String kind);

        @SignalMethod
        void poke(String s);

        @QueryMethod
        int pokes();
    }

    @ActivityInterface
    public interface Work {
        String work(String s);
    }

    public static class DashImpl implements Dash {
        private int pokes;

        @Override
        public String run(String kind) {
            Work w = Workflow.newActivityStub(Work.class, ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(10))
                    .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofMillis(100)).build())
                    .build());
            switch (kind) {
                case "fail" -> throw ApplicationFailure.newNonRetryableFailure("failed on purpose", "Dashboards");
                case "wait" -> Workflow.await(() -> pokes > 0);
                case "sleep" -> Workflow.sleep(Duration.ofHours(1));
                case "continue" -> Workflow.continueAsNew("ok");
                default -> {
                }
            }
            Workflow.sleep(Duration.ofMillis(50));
            return w.work(kind);
        }

        @Override
        public void poke(String s) {
            pokes++;
        }

        @Override
        public int pokes() {
            return pokes;
        }
    }

    /** Fails each "retry" input's first attempt, so an activity retry is handed out. */
    static final class WorkImpl implements Work {
        private final java.util.Set<String> failedOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public String work(String s) {
            if (s.equals("retry") && failedOnce.add(io.temporal.activity.Activity.getExecutionContext().getInfo()
                    .getWorkflowId())) {
                throw ApplicationFailure.newFailure("first attempt fails", "Dashboards");
            }
            return s.toUpperCase();
        }
    }

    @TempDir
    Path tmp;

    @Test
    void stockDashboardPanelsAnswerFromARealPrometheus() throws Exception {
        int port = ServerProcess.freePort();
        int metricsPort = ServerProcess.freePort();
        try (ServerProcess dev = ServerProcess.launch("dashboards", List.of("dev", "--ephemeral", "--port",
                String.valueOf(port), "--metrics-port", String.valueOf(metricsPort))).awaitReady();
             Prometheus prom = Prometheus.start(tmp.resolve("prometheus"), scrapeConfig(metricsPort));
             Clients clients = new Clients(port)) {
            // Prometheus's first scrapes come seconds after it is ready (discovery, jitter): a quick workload could
            // finish before them, and an idle server's counters have no rate. Start once it has scraped twice.
            awaitTrue("prometheus scrapes the server", Duration.ofSeconds(60), () -> {
                try {
                    JsonNode up = prom.query("count_over_time(up{job=\"temporal-history\"}[1m]) >= 2");
                    return Prometheus.hasData(up);
                } catch (Exception e) {
                    return false;
                }
            });
            runWorkload(clients);
            String scrape = scrape(metricsPort);
            assertMetricsAndLabels(scrape);
            try {
                awaitTrue("prometheus ingested the workload", Duration.ofSeconds(60), () -> {
                    try {
                        return Prometheus.hasData(prom.query("workflow_terminate{temporal_namespace=\"default\"}"))
                                && Prometheus.hasData(prom.query("rate(service_requests[1m]) > 0"));
                    } catch (Exception e) {
                        return false;
                    }
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; workflow_terminate: "
                        + prom.query("workflow_terminate") + "; service_requests rate: "
                        + prom.query("rate(service_requests[1m]) > 0").size() + " series; scrape targets: "
                        + prom.targets(), e);
            }
            Thread.sleep(6000); // a few more scrapes, so every rate() has two samples after the last change
            List<String> problems = new ArrayList<>();
            problems.addAll(evaluate(prom, stockPanels()));
            problems.addAll(evaluate(prom, kairosPanels()));
            assertTrue(problems.isEmpty(), "panels without data:\n" + String.join("\n", problems));
        }
    }

    /** One Grafana panel: where it is, its title, and its PromQL targets. */
    record Panel(String key, String title, List<String> exprs) {
    }

    private static List<String> evaluate(Prometheus prom, List<Panel> panels) throws Exception {
        List<String> problems = new ArrayList<>();
        for (Panel p : panels) {
            if (NOT_APPLICABLE.containsKey(p.key())) {
                continue;
            }
            boolean data = false;
            for (String expr : p.exprs()) {
                JsonNode result;
                try {
                    result = prom.query(expr); // a PromQL error fails here, for every panel alike
                } catch (AssertionError e) {
                    if (expr.contains("by (__name__)") && e.getMessage().contains(SAME_LABELSET)) {
                        continue; // the panel's own bug, see SAME_LABELSET; its other targets must answer
                    }
                    throw e;
                }
                data |= Prometheus.hasData(result);
            }
            if (!data && !ERRORS_ONLY.containsKey(p.key())) {
                problems.add(p.key() + " '" + p.title() + "': " + p.exprs());
            }
        }
        return problems;
    }

    /** The stock panels, as extracted from temporalio/dashboards into a resource (see its first line). */
    static List<Panel> stockPanels() throws IOException {
        Map<String, Panel> panels = new LinkedHashMap<>();
        try (InputStream in = StockDashboardsTest.class.getResourceAsStream("/dashboards/stock-panels.tsv")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", 4);
                panels.computeIfAbsent(f[0] + "#" + f[1], k -> new Panel(k, f[2], new ArrayList<>())).exprs().add(f[3]);
            }
        }
        return List.copyOf(panels.values());
    }

    /** Kairos's own dashboard: what Temporal's don't show (shards per host, membership, Postgres, backlogs). */
    static List<Panel> kairosPanels() throws IOException {
        JsonNode dash = new ObjectMapper().readTree(repoRoot().resolve("helm/temporal/dashboards/kairos-server.json").toFile());
        List<Panel> panels = new ArrayList<>();
        for (JsonNode p : dash.path("panels")) {
            List<String> exprs = new ArrayList<>();
            p.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
            if (!exprs.isEmpty()) {
                panels.add(new Panel("helm/temporal/dashboards/kairos-server.json#" + p.path("id").asInt(),
                        p.path("title").asText(), exprs));
            }
        }
        assertTrue(panels.size() >= 8, "the Kairos dashboard has its panels: " + panels.size());
        return panels;
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("helm/temporal/dashboards"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new AssertionError("no helm/temporal/dashboards above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /**
     * Scrapes the dev server as kube-prometheus-stack scrapes a pod through the chart's ServiceMonitor: the target
     * carries Kubernetes's {@code namespace} label (so the server's own becomes exported_namespace) and the
     * relabelings the chart renders by default are applied, translated to Prometheus's config.
     */
    private static String scrapeConfig(int metricsPort) {
        ServiceMonitor sm = KubeModel.parse(Chart.render(List.of(), Map.of("server.metrics.serviceMonitor.enabled",
                true)).get("ServiceMonitor", "temporal-history"), ServiceMonitor.class);
        var endpoint = sm.getSpec().getEndpoints().get(0);
        StringBuilder y = new StringBuilder("""
                global:
                  scrape_interval: 2s
                  scrape_timeout: 2s
                  evaluation_interval: 2s
                scrape_configs:
                  - job_name: temporal-history
                    metrics_path: /metrics
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                        labels:
                          namespace: temporal
                          __meta_kubernetes_pod_name: temporal-history-0
                          __meta_kubernetes_pod_label_app_kubernetes_io_component: history
                """.formatted(metricsPort));
        y.append("    relabel_configs:\n");
        relabel(y, endpoint.getRelabelings());
        y.append("    metric_relabel_configs:\n");
        relabel(y, endpoint.getMetricRelabelings());
        return y.toString();
    }

    private static void relabel(StringBuilder y, List<RelabelConfig> configs) {
        assertTrue(configs != null && !configs.isEmpty(), "the chart renders relabelings by default");
        for (RelabelConfig c : configs) {
            y.append("      - source_labels: [").append(String.join(", ", c.getSourceLabels())).append("]\n");
            y.append("        target_label: ").append(c.getTargetLabel()).append('\n');
            if (c.getAction() != null) {
                y.append("        action: ").append(c.getAction().toLowerCase()).append('\n');
            }
            if (c.getRegex() != null) {
                y.append("        regex: '").append(c.getRegex()).append("'\n");
            }
            if (c.getReplacement() != null) {
                y.append("        replacement: '").append(c.getReplacement()).append("'\n");
            }
        }
    }

    private static void runWorkload(Clients clients) throws Exception {
        WorkflowClient client = WorkflowClient.newInstance(clients.workflow);
        WorkerFactory factory = WorkerFactory.newInstance(client);
        factory.newWorker(QUEUE).registerWorkflowImplementationTypes(DashImpl.class);
        factory.getWorker(QUEUE).registerActivitiesImplementations(new WorkImpl());
        factory.start();
        try {
            String tag = UUID.randomUUID().toString().substring(0, 8);
            // completed, with an activity, a timer, a retried activity and a continue-as-new
            for (String kind : List.of("ok", "ok", "retry", "continue")) {
                Dash d = client.newWorkflowStub(Dash.class, options("dash-" + kind + "-" + UUID.randomUUID()));
                assertEquals(kind.equals("continue") ? "OK" : kind.toUpperCase(), d.run(kind));
            }
            // failed
            Dash failing = client.newWorkflowStub(Dash.class, options("dash-fail-" + tag));
            assertTrue(assertThrowsAny(() -> failing.run("fail")));
            // signalled and queried, then completed
            Dash waiting = client.newWorkflowStub(Dash.class, options("dash-wait-" + tag));
            WorkflowClient.start(waiting::run, "wait");
            assertEquals(0, waiting.pokes());
            waiting.poke("now");
            WorkflowStub.fromTyped(waiting).getResult(String.class);
            // terminated, cancelled, timed out
            Dash terminated = client.newWorkflowStub(Dash.class, options("dash-terminate-" + tag));
            WorkflowClient.start(terminated::run, "sleep");
            // an expected error: the id is taken by a running workflow
            Clients.assertStatus(io.grpc.Status.Code.ALREADY_EXISTS, () -> clients.workflow.blockingStub()
                    .startWorkflowExecution(start("dash-terminate-" + tag, QUEUE)));
            WorkflowStub.fromTyped(terminated).terminate("dashboards");
            Dash cancelled = client.newWorkflowStub(Dash.class, options("dash-cancel-" + tag));
            WorkflowClient.start(cancelled::run, "sleep");
            WorkflowStub.fromTyped(cancelled).cancel();
            Dash timedOut = client.newWorkflowStub(Dash.class, WorkflowOptions.newBuilder().setTaskQueue(QUEUE)
                    .setWorkflowId("dash-timeout-" + tag).setWorkflowRunTimeout(Duration.ofSeconds(1)).build());
            WorkflowClient.start(timedOut::run, "sleep");
            // expected errors: a workflow that does not exist, a bad request
            Clients.assertStatus(io.grpc.Status.Code.NOT_FOUND, () -> clients.workflow.blockingStub()
                    .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                            .setExecution(WorkflowExecution.newBuilder().setWorkflowId("no-such-workflow")).build()));
            Clients.assertStatus(io.grpc.Status.Code.INVALID_ARGUMENT, () -> clients.workflow.blockingStub()
                    .startWorkflowExecution(start("", QUEUE)));
            workflowTaskTimeout(clients, tag);
            scheduleAndBatch(clients, client, tag);
            awaitTrue("the run timed out", Duration.ofSeconds(20), () -> clients.workflow.blockingStub()
                    .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                            .setExecution(WorkflowExecution.newBuilder().setWorkflowId("dash-timeout-" + tag)).build())
                    .getWorkflowExecutionInfo().getStatus()
                    == io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT);
        } finally {
            factory.shutdownNow();
        }
    }

    private static WorkflowOptions options(String id) {
        return WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build();
    }

    private static StartWorkflowExecutionRequest start(String id, String queue) {
        return StartWorkflowExecutionRequest.newBuilder().setNamespace("default").setWorkflowId(id)
                .setWorkflowType(WorkflowType.newBuilder().setName("DashboardsWorkflow"))
                .setTaskQueue(TaskQueue.newBuilder().setName(queue)).setRequestId(UUID.randomUUID().toString())
                .setWorkflowTaskTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1)).build();
    }

    /** A workflow task a poller takes and never answers: it times out (start_to_close_timeout). */
    private static void workflowTaskTimeout(Clients clients, String tag) {
        String queue = "dashboards-silent-" + tag;
        clients.workflow.blockingStub().startWorkflowExecution(start("dash-wft-timeout-" + tag, queue));
        var task = clients.workflow.blockingStub().withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS)
                .pollWorkflowTaskQueue(PollWorkflowTaskQueueRequest.newBuilder().setNamespace("default")
                        .setIdentity("silent").setTaskQueue(TaskQueue.newBuilder().setName(queue)).build());
        assertTrue(!task.getTaskToken().isEmpty(), "the silent poller got the task");
    }

    /** A schedule that starts two runs, and a batch job that terminates waiting workflows. */
    private static void scheduleAndBatch(Clients clients, WorkflowClient client, String tag) throws Exception {
        ScheduleClient schedules = ScheduleClient.newInstance(clients.workflow);
        ScheduleHandle h = schedules.createSchedule("dash-schedule-" + tag, Schedule.newBuilder()
                .setAction(ScheduleActionStartWorkflow.newBuilder().setWorkflowType("DashboardsWorkflow")
                        .setArguments("ok").setOptions(WorkflowOptions.newBuilder().setTaskQueue(QUEUE)
                                .setWorkflowId("dash-scheduled-" + tag).build()).build())
                .setSpec(ScheduleSpec.newBuilder().setIntervals(List.of(new ScheduleIntervalSpec(Duration.ofSeconds(1))))
                        .build()).build(), ScheduleOptions.newBuilder().build());
        awaitTrue("the schedule ran twice", Duration.ofSeconds(30),
                () -> h.describe().getInfo().getNumActions() >= 2);
        h.delete();
        String prefix = "dash-batch-" + tag + "-";
        for (int i = 0; i < 3; i++) {
            WorkflowClient.start(client.newWorkflowStub(Dash.class, options(prefix + i))::run, "sleep");
        }
        String query = "WorkflowId STARTS_WITH '" + prefix + "'";
        awaitTrue("visible", Duration.ofSeconds(20), () -> clients.workflow.blockingStub().countWorkflowExecutions(
                io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest.newBuilder().setNamespace("default")
                        .setQuery(query).build()).getCount() == 3);
        String job = "dash-batch-" + tag;
        clients.workflow.blockingStub().startBatchOperation(StartBatchOperationRequest.newBuilder()
                .setNamespace("default").setJobId(job).setReason("dashboards").setVisibilityQuery(query)
                .setTerminationOperation(io.temporal.api.batch.v1.BatchOperationTermination.getDefaultInstance()).build());
        awaitTrue("the batch job completed", Duration.ofSeconds(30), () -> clients.workflow.blockingStub()
                .describeBatchOperation(io.temporal.api.workflowservice.v1.DescribeBatchOperationRequest.newBuilder()
                        .setNamespace("default").setJobId(job).build()).getState()
                == io.temporal.api.enums.v1.BatchOperationState.BATCH_OPERATION_STATE_COMPLETED);
    }

    private static boolean assertThrowsAny(Runnable r) {
        try {
            r.run();
            return false;
        } catch (RuntimeException expected) {
            return true;
        }
    }

    static void awaitTrue(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(200);
        }
        fail("timed out waiting until " + what);
    }

    static String scrape(int metricsPort) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    /** The value of the one sample of {@code name} whose labels include all of {@code labels}, summed over the rest. */
    static double sum(String scrape, String name, Map<String, String> labels) {
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{(.*)})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(scrape);
        double total = 0;
        boolean any = false;
        while (m.find()) {
            Map<String, String> have = labels(m.group(2) == null ? "" : m.group(2));
            if (have.entrySet().containsAll(labels.entrySet())) {
                total += Double.parseDouble(m.group(3));
                any = true;
            }
        }
        return any ? total : Double.NaN;
    }

    /** The label names {@code name}'s samples carry (those of its first sample). */
    static java.util.Set<String> labelNames(String scrape, String name) {
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{(.*)} \\S+$", Pattern.MULTILINE).matcher(scrape);
        return m.find() ? labels(m.group(1)).keySet() : java.util.Set.of();
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(text);
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    /**
     * The names, label names and values the stock dashboards read, taken from their JSON, with values this workload
     * must have produced.
     */
    private static void assertMetricsAndLabels(String s) {
        List<String> problems = new ArrayList<>();
        // name -> the label names the dashboards filter or group it by (besides service_name, which all carry)
        Map<String, List<String>> required = new LinkedHashMap<>();
        required.put("service_requests", List.of("operation", "namespace"));
        required.put("service_latency_bucket", List.of("operation", "le"));
        required.put("service_errors_entity_not_found", List.of("operation"));
        required.put("service_errors_execution_already_started", List.of("operation"));
        required.put("service_errors_invalid_argument", List.of("operation"));
        required.put("service_error_with_type", List.of("operation", "error_type"));
        required.put("service_pending_requests", List.of());
        required.put("action", List.of("action_type"));
        required.put("persistence_requests", List.of("operation"));
        required.put("persistence_latency_bucket", List.of("operation", "le"));
        required.put("visibility_persistence_requests", List.of("operation"));
        required.put("visibility_persistence_latency_bucket", List.of("operation", "le"));
        required.put("client_requests", List.of("operation", "service_role"));
        required.put("client_latency_bucket", List.of("operation", "service_role", "le"));
        for (String outcome : List.of("success", "failed", "timeout", "terminate", "cancel", "continued_as_new")) {
            required.put("workflow_" + outcome, List.of("operation", "namespace", "workflowType", "taskqueue"));
        }
        required.put("start_to_close_timeout", List.of("operation"));
        required.put("numshards_gauge", List.of());
        required.put("sharditem_created_count", List.of());
        required.put("acquire_shards_count", List.of());
        required.put("acquire_shards_latency_bucket", List.of("le"));
        required.put("membership_changed_count", List.of());
        required.put("state_transition_count_count", List.of());
        required.put("task_requests", List.of("operation"));
        required.put("task_latency_bucket", List.of("operation", "le"));
        required.put("task_latency_queue_bucket", List.of("operation", "le"));
        required.put("task_latency_processing_bucket", List.of("operation", "le"));
        required.put("task_attempt_bucket", List.of("operation", "le"));
        required.put("command", List.of("commandType", "operation"));
        required.put("poll_success", List.of("taskqueue", "namespace", "task_type"));
        required.put("poll_success_sync", List.of("taskqueue", "namespace"));
        required.put("syncmatch_latency_bucket", List.of("operation", "le"));
        required.put("asyncmatch_latency_bucket", List.of("operation", "le"));
        required.put("task_schedule_to_start_latency_bucket", List.of("taskqueue", "le"));
        required.put("approximate_backlog_count", List.of("taskqueue", "namespace", "task_type"));
        required.put("approximate_backlog_age_seconds", List.of("taskqueue", "namespace"));
        required.put("lease_requests", List.of());
        required.put("schedule_action_success", List.of("namespace"));
        required.put("batcher_processor_requests", List.of());
        required.put("restarts", List.of());
        required.put("num_goroutines", List.of());
        required.put("memory_allocated", List.of());
        required.put("memory_heap", List.of());
        required.put("memory_num_gc", List.of());
        required.put("memory_gc_pause_ms_bucket", List.of("le"));
        for (var e : required.entrySet()) {
            if (Double.isNaN(sum(s, e.getKey(), Map.of()))) {
                problems.add("missing " + e.getKey());
                continue;
            }
            java.util.Set<String> have = labelNames(s, e.getKey());
            for (String label : e.getValue()) {
                if (!have.contains(label)) {
                    problems.add(e.getKey() + " lacks label " + label + " (has " + have + ")");
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));

        // sensible values: what the workload did
        List<String> low = new ArrayList<>();
        atLeast(low, s, "service_requests", Map.of("service_name", "frontend", "operation", "StartWorkflowExecution",
                "namespace", "default"), 8);
        // Internal APIs name namespaces by id; their service_requests carry the name, as Temporal's do.
        atLeast(low, s, "service_requests", Map.of("service_name", "matching", "operation", "AddWorkflowTask",
                "namespace", "default"), 8);
        // the SDK takes most activities eagerly from the workflow task completion; a retry goes through matching
        atLeast(low, s, "service_requests", Map.of("service_name", "matching", "operation", "AddActivityTask"), 1);
        atLeast(low, s, "service_requests", Map.of("service_name", "history", "operation", "RecordWorkflowTaskStarted",
                "namespace", "default"), 8);
        atLeast(low, s, "service_requests", Map.of("service_name", "history", "operation", "RespondWorkflowTaskCompleted"), 8);
        atLeast(low, s, "service_errors_entity_not_found", Map.of("service_name", "frontend",
                "operation", "DescribeWorkflowExecution"), 1);
        atLeast(low, s, "service_errors_execution_already_started", Map.of("service_name", "frontend",
                "operation", "StartWorkflowExecution"), 1);
        atLeast(low, s, "service_errors_invalid_argument", Map.of("service_name", "frontend",
                "operation", "StartWorkflowExecution"), 1);
        atLeast(low, s, "action", Map.of("action_type", "grpc_StartWorkflowExecution", "namespace", "default"), 8);
        atLeast(low, s, "action", Map.of("action_type", "command_ScheduleActivityTask"), 4);
        atLeast(low, s, "action", Map.of("action_type", "activity_retry"), 1);
        atLeast(low, s, "workflow_success", Map.of("operation", "CompletionStats", "namespace", "default"), 4);
        atLeast(low, s, "workflow_failed", Map.of("operation", "CompletionStats", "namespace", "default"), 1);
        atLeast(low, s, "workflow_terminate", Map.of("operation", "CompletionStats", "namespace", "default"), 4);
        atLeast(low, s, "workflow_cancel", Map.of("operation", "CompletionStats", "namespace", "default"), 1);
        atLeast(low, s, "workflow_timeout", Map.of("operation", "CompletionStats", "namespace", "default"), 1);
        atLeast(low, s, "workflow_continued_as_new", Map.of("operation", "CompletionStats", "namespace", "default"), 1);
        atLeast(low, s, "poll_success", Map.of("service_name", "matching", "taskqueue", QUEUE), 8);
        atLeast(low, s, "persistence_requests", Map.of("service_name", "history"), 20);
        atLeast(low, s, "visibility_persistence_requests", Map.of("service_name", "history"), 8);
        atLeast(low, s, "client_requests", Map.of("service_name", "frontend", "service_role", "history"), 8);
        atLeast(low, s, "client_requests", Map.of("service_name", "history", "service_role", "matching"), 8);
        atLeast(low, s, "numshards_gauge", Map.of("service_name", "history"), 1);
        atLeast(low, s, "restarts", Map.of(), 1);
        atLeast(low, s, "num_goroutines", Map.of(), 10);
        atLeast(low, s, "start_to_close_timeout", Map.of("operation", "TimerActiveTaskWorkflowTaskTimeout",
                "namespace", "default"), 1);
        atLeast(low, s, "command", Map.of("operation", "RespondWorkflowTaskCompleted", "commandType",
                "ScheduleActivityTask"), 4);
        atLeast(low, s, "task_requests", Map.of("operation", "TransferActiveTaskWorkflowTask"), 4);
        atLeast(low, s, "task_requests", Map.of("operation", "TransferActiveTaskActivity"), 1);
        atLeast(low, s, "task_requests", Map.of("operation", "TimerActiveTaskUserTimer"), 4);
        atLeast(low, s, "task_requests", Map.of("operation", "VisibilityTaskStartExecution"), 4);
        atLeast(low, s, "task_requests", Map.of("operation", "VisibilityTaskCloseExecution"), 4);
        atLeast(low, s, "cache_requests", Map.of("cache_type", "mutablestate"), 8);
        atLeast(low, s, "poll_success_sync", Map.of("service_name", "matching", "taskqueue", QUEUE), 1);
        atLeast(low, s, "schedule_action_success", Map.of("service_name", "worker", "namespace", "default"), 2);
        atLeast(low, s, "batcher_processor_requests", Map.of("service_name", "worker", "namespace", "default"), 3);
        assertTrue(low.isEmpty(), String.join("\n", low));
    }

    private static void atLeast(List<String> low, String scrape, String name, Map<String, String> labels, double min) {
        double v = sum(scrape, name, labels);
        if (!(v >= min)) {
            low.add(name + labels + " = " + v + ", expected >= " + min);
        }
    }
}
