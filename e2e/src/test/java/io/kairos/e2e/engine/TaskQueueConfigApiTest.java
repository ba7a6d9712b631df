package io.kairos.e2e.engine;

import io.grpc.Status;
import io.kairos.e2e.ServerProcess;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.BuildIdTaskReachability;
import io.temporal.api.enums.v1.DescribeTaskQueueMode;
import io.temporal.api.enums.v1.RateLimitSource;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.errordetails.v1.NamespaceNotFoundFailure;
import io.temporal.api.taskqueue.v1.RateLimit;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.taskqueue.v1.TaskQueueConfig;
import io.temporal.api.taskqueue.v1.TaskQueueVersionSelection;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.UpdateTaskQueueConfigRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.kairos.e2e.Clients.assertStatus;
import static io.kairos.e2e.Clients.detail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * UpdateTaskQueueConfig and DescribeTaskQueue(report_config) through the official Java SDK against the server jar:
 * the stored configuration (also after a restart), the queue rate limit slowing a burst of activities, a worker's
 * maxTaskQueueActivitiesPerSecond as source WORKER, and Temporal's errors for bad input.
 */
class TaskQueueConfigApiTest {
    private static final TaskQueueType ACTIVITY = TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
    /** What Temporal reports as the system default for a queue (1,000 per partition, 4 partitions). */
    private static final float SYSTEM_RPS = 4000;

    private static Path dir;
    private static int port;
    private static ServerProcess server;
    private static WorkflowServiceStubs service;
    private static WorkflowServiceGrpc.WorkflowServiceBlockingStub api;

    @ActivityInterface
    public interface Stamps {
        /** When the activity started, on this JVM's clock. */
        @ActivityMethod
        long stamp(int i);
    }

    public static final class StampsImpl implements Stamps {
        @Override
        public long stamp(int i) {
            return System.currentTimeMillis();
        }
    }

    @WorkflowInterface
    public interface BurstWorkflow {
        /** Schedules {@code n} activities at once and returns their start times. */
        @WorkflowMethod
        List<Long> run(int n);
    }

    public static final class BurstWorkflowImpl implements BurstWorkflow {
        @Override
        public List<Long> run(int n) {
            Stamps stamps = Workflow.newActivityStub(Stamps.class, ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(30)).build());
            List<Promise<Long>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(Async.function(stamps::stamp, i));
            }
            List<Long> out = new ArrayList<>();
            all.forEach(p -> out.add(p.get()));
            return out;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("kairos-tq-config");
        port = ServerProcess.freePort();
        launch("tq-config");
    }

    private static void launch(String name) {
        server = ServerProcess.launch(name, List.of("dev", "--db-dir", dir.resolve("data").toString(), "--port",
                Integer.toString(port))).awaitReady();
        service = WorkflowServiceStubs.newConnectedServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build(), Duration.ofSeconds(30));
        api = service.blockingStub();
    }

    private static void stopServer() {
        service.shutdownNow();
        server.close();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            stopServer();
        }
    }

    private static UpdateTaskQueueConfigRequest.Builder update(String queue, TaskQueueType type) {
        return UpdateTaskQueueConfigRequest.newBuilder().setNamespace("default").setTaskQueue(queue)
                .setTaskQueueType(type).setIdentity("ops@console");
    }

    private static UpdateTaskQueueConfigRequest.RateLimitUpdate limit(Float rps, String reason) {
        var b = UpdateTaskQueueConfigRequest.RateLimitUpdate.newBuilder().setReason(reason);
        if (rps != null) {
            b.setRateLimit(RateLimit.newBuilder().setRequestsPerSecond(rps));
        }
        return b.build();
    }

    private static DescribeTaskQueueResponse describe(String queue, TaskQueueType type, boolean reportConfig) {
        return api.describeTaskQueue(DescribeTaskQueueRequest.newBuilder().setNamespace("default")
                .setTaskQueue(TaskQueue.newBuilder().setName(queue)).setTaskQueueType(type)
                .setReportConfig(reportConfig).build());
    }

    private static DescribeTaskQueueResponse awaitDescribe(String queue, Predicate<DescribeTaskQueueResponse> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        DescribeTaskQueueResponse r = describe(queue, ACTIVITY, true);
        while (!done.test(r)) {
            if (System.nanoTime() > deadline) {
                fail("describe never matched: " + r);
            }
            Thread.sleep(100);
            r = describe(queue, ACTIVITY, true);
        }
        return r;
    }

    private static boolean effective(DescribeTaskQueueResponse r, float rps, RateLimitSource source) {
        return r.getEffectiveRateLimit().getRequestsPerSecond() == rps
                && r.getEffectiveRateLimit().getRateLimitSource() == source;
    }

    private static void assertEffective(DescribeTaskQueueResponse r, float rps, RateLimitSource source) {
        assertTrue(effective(r, rps, source), "effective rate limit " + rps + " " + source + " in " + r);
    }

    private static WorkerFactory worker(String queue, WorkerOptions options) {
        WorkflowClient client = WorkflowClient.newInstance(service,
                WorkflowClientOptions.newBuilder().setNamespace("default").build());
        WorkerFactory factory = WorkerFactory.newInstance(client);
        var w = factory.newWorker(queue, options);
        w.registerWorkflowImplementationTypes(BurstWorkflowImpl.class);
        w.registerActivitiesImplementations(new StampsImpl());
        factory.start();
        return factory;
    }

    private static void shutdown(WorkerFactory factory) {
        factory.shutdownNow();
        factory.awaitTermination(10, TimeUnit.SECONDS);
    }

    @Test
    void anUpdateIsReportedByDescribeAndSurvivesARestart() throws Exception {
        String queue = WorkerHarness.id("configured");
        long before = System.currentTimeMillis();
        TaskQueueConfig set = api.updateTaskQueueConfig(update(queue, ACTIVITY)
                .setUpdateQueueRateLimit(limit(2.5f, "downstream is slow"))
                .setUpdateFairnessKeyRateLimitDefault(limit(1f, "per tenant")).build()).getConfig();
        assertEquals(2.5f, set.getQueueRateLimit().getRateLimit().getRequestsPerSecond());
        assertEquals("downstream is slow", set.getQueueRateLimit().getMetadata().getReason());
        assertEquals("ops@console", set.getQueueRateLimit().getMetadata().getUpdateIdentity());
        assertTrue(set.getQueueRateLimit().getMetadata().getUpdateTime().getSeconds() >= before / 1000 - 1);
        assertEquals(1f, set.getFairnessKeysRateLimitDefault().getRateLimit().getRequestsPerSecond());

        DescribeTaskQueueResponse r = describe(queue, ACTIVITY, true);
        assertEquals(set, r.getConfig());
        assertEffective(r, 2.5f, RateLimitSource.RATE_LIMIT_SOURCE_API);
        DescribeTaskQueueResponse plain = describe(queue, ACTIVITY, false);
        assertFalse(plain.hasConfig(), "config only with report_config");
        assertEffective(plain, 2.5f, RateLimitSource.RATE_LIMIT_SOURCE_API);
        assertFalse(describe(queue, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, true).hasConfig(), "per task type");
        // as Temporal: ENHANCED mode reports neither
        DescribeTaskQueueResponse enhanced = api.describeTaskQueue(DescribeTaskQueueRequest.newBuilder()
                .setNamespace("default").setTaskQueue(TaskQueue.newBuilder().setName(queue))
                .setApiMode(DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED).setReportConfig(true).build());
        assertFalse(enhanced.hasConfig());
        assertFalse(enhanced.hasEffectiveRateLimit());

        stopServer();
        launch("tq-config-restarted");
        DescribeTaskQueueResponse after = describe(queue, ACTIVITY, true);
        assertEquals(set, after.getConfig());
        assertEffective(after, 2.5f, RateLimitSource.RATE_LIMIT_SOURCE_API);
    }

    @Test
    void aQueueRateLimitSlowsABurstOfActivities() {
        String queue = WorkerHarness.id("throttled");
        api.updateTaskQueueConfig(update(queue, ACTIVITY).setUpdateQueueRateLimit(limit(2f, "")).build());
        // Eager activities start in history without passing through matching, so (as in Temporal) no rate limit
        // applies to them: the worker asks for none, so that all ten go through the queue.
        WorkerFactory factory = worker(queue, WorkerOptions.newBuilder().setDisableEagerExecution(true).build());
        try {
            WorkflowClient client = factory.getWorkflowClient();
            List<Long> starts = new ArrayList<>(client.newWorkflowStub(BurstWorkflow.class, WorkflowOptions.newBuilder()
                    .setTaskQueue(queue).setWorkflowId(WorkerHarness.id("burst"))
                    .setWorkflowExecutionTimeout(Duration.ofSeconds(60)).build()).run(10));
            Collections.sort(starts);
            long span = starts.get(9) - starts.get(0);
            // 2 at once (the bucket's burst), then one every 500 ms: the last starts about 4 s after the first
            assertTrue(span >= 3000, "10 activities at 2/s started within " + span + " ms: " + starts);
        } finally {
            shutdown(factory);
        }
    }

    @Test
    void aWorkersRateShowsAsWorkerUntilTheApiSetsOneAndUnsetFallsBack() throws Exception {
        String queue = WorkerHarness.id("worker-limited");
        WorkerFactory factory = worker(queue, WorkerOptions.newBuilder().setMaxTaskQueueActivitiesPerSecond(3).build());
        try {
            DescribeTaskQueueResponse r = awaitDescribe(queue,
                    d -> effective(d, 3, RateLimitSource.RATE_LIMIT_SOURCE_WORKER));
            assertFalse(r.hasConfig(), "nothing set through the API");
            assertTrue(r.getPollersList().stream().anyMatch(p -> p.getRatePerSecond() == 3), r.toString());

            api.updateTaskQueueConfig(update(queue, ACTIVITY).setUpdateQueueRateLimit(limit(7f, "cap")).build());
            assertEffective(describe(queue, ACTIVITY, true), 7, RateLimitSource.RATE_LIMIT_SOURCE_API);
            TaskQueueConfig unset = api.updateTaskQueueConfig(update(queue, ACTIVITY)
                    .setUpdateQueueRateLimit(limit(null, "lifted")).build()).getConfig();
            assertFalse(unset.getQueueRateLimit().hasRateLimit());
            assertEquals("lifted", unset.getQueueRateLimit().getMetadata().getReason());
            assertEffective(describe(queue, ACTIVITY, true), 3, RateLimitSource.RATE_LIMIT_SOURCE_WORKER);
        } finally {
            shutdown(factory);
        }

        String plain = WorkerHarness.id("api-only");
        api.updateTaskQueueConfig(update(plain, ACTIVITY).setUpdateQueueRateLimit(limit(5f, "")).build());
        assertEffective(describe(plain, ACTIVITY, true), 5, RateLimitSource.RATE_LIMIT_SOURCE_API);
        api.updateTaskQueueConfig(update(plain, ACTIVITY).setUpdateQueueRateLimit(limit(null, "")).build());
        DescribeTaskQueueResponse back = describe(plain, ACTIVITY, true);
        assertEffective(back, SYSTEM_RPS, RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM);
        assertTrue(back.getConfig().getQueueRateLimit().hasMetadata());
        assertFalse(back.getConfig().getQueueRateLimit().hasRateLimit());
    }

    @Test
    void badInputGetsTemporalsErrors() {
        String queue = WorkerHarness.id("invalid");
        assertStatus(Status.Code.INVALID_ARGUMENT,
                "RequestsPerSecond for UpdateQueueRateLimit rate limit must be non-negative.",
                () -> api.updateTaskQueueConfig(update(queue, ACTIVITY).setUpdateQueueRateLimit(limit(-1f, "")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT,
                "RequestsPerSecond for UpdateFairnessKeyRateLimitDefault rate limit must be non-negative.",
                () -> api.updateTaskQueueConfig(update(queue, ACTIVITY)
                        .setUpdateFairnessKeyRateLimitDefault(limit(-0.5f, "")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "Setting rate limit on workflow task queues is not allowed.",
                () -> api.updateTaskQueueConfig(update(queue, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
                        .setUpdateQueueRateLimit(limit(1f, "")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "UpdateQueueRateLimit.Reason field too long (max 1000 characters).",
                () -> api.updateTaskQueueConfig(update(queue, ACTIVITY)
                        .setUpdateQueueRateLimit(limit(1f, "x".repeat(1001))).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "TaskQueue is not set on request.",
                () -> api.updateTaskQueueConfig(update("", ACTIVITY).setUpdateQueueRateLimit(limit(1f, "")).build()));
        var nf = assertStatus(Status.Code.NOT_FOUND, () -> api.updateTaskQueueConfig(update(queue, ACTIVITY)
                .setNamespace("no-such-namespace").setUpdateQueueRateLimit(limit(-1f, "")).build()));
        assertEquals("no-such-namespace", detail(nf, NamespaceNotFoundFailure.class).getNamespace());
        assertFalse(describe(queue, ACTIVITY, true).hasConfig(), "nothing was stored");
    }

    @Test
    void enhancedDescribeReportsTaskReachabilityOfTheUnversionedQueue() {
        String queue = WorkerHarness.id("reachability");
        var enhanced = DescribeTaskQueueRequest.newBuilder().setNamespace("default")
                .setTaskQueue(TaskQueue.newBuilder().setName(queue))
                .setApiMode(DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED).setReportTaskReachability(true);
        assertEquals(BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_REACHABLE,
                api.describeTaskQueue(enhanced.build()).getVersionsInfoOrThrow("").getTaskReachability());

        var withBuildId = api.describeTaskQueue(enhanced.setVersions(TaskQueueVersionSelection.newBuilder()
                .setUnversioned(true).addBuildIds("v1")).build());
        assertEquals(BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_REACHABLE,
                withBuildId.getVersionsInfoOrThrow("").getTaskReachability());
        // no workflow was ever assigned to a build id (Kairos has no versioning): visibility finds none
        assertEquals(BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_UNREACHABLE,
                withBuildId.getVersionsInfoOrThrow("v1").getTaskReachability());
        assertEquals(BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_UNSPECIFIED, api.describeTaskQueue(
                enhanced.setReportTaskReachability(false).build()).getVersionsInfoOrThrow("").getTaskReachability());

        assertStatus(Status.Code.INVALID_ARGUMENT,
                "Too many build ids queried at once with ReportTaskReachability==true, limit: 5",
                () -> api.describeTaskQueue(enhanced.setReportTaskReachability(true).setVersions(
                        TaskQueueVersionSelection.newBuilder().addAllBuildIds(List.of("a", "b", "c", "d", "e", "f")))
                        .build()));
    }
}
