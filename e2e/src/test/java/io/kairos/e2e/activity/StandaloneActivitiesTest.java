package io.kairos.e2e.activity;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.e2e.ServerProcess;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.api.enums.v1.ActivityExecutionStatus;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.PollActivityExecutionRequest;
import io.temporal.client.ActivityAlreadyStartedException;
import io.temporal.client.ActivityClient;
import io.temporal.client.ActivityClientOptions;
import io.temporal.client.ActivityExecutionDescription;
import io.temporal.client.ActivityHandle;
import io.temporal.client.DescribeActivityOptions;
import io.temporal.client.StartActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TerminatedFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Standalone activities (started by a client, not a workflow) through the Java SDK 1.39 ActivityClient and an SDK
 * worker polling the queue as usual: result, retries, failure, timeout, cancel with heartbeat details, terminate,
 * id policies, List and Count, and their id space apart from workflows'.
 */
class StandaloneActivitiesTest {
    private static final String QUEUE = "saa-" + UUID.randomUUID();
    private static ServerProcess server;
    private static WorkflowServiceStubs service;
    private static ActivityClient activities;
    private static WorkerFactory factory;
    /** What the worker saw of the last greet: workflow id, activity run id. */
    static final Map<String, String> SEEN = new ConcurrentHashMap<>();
    static final Map<String, AtomicInteger> ATTEMPTS = new ConcurrentHashMap<>();

    @ActivityInterface
    public interface Chores {
        @ActivityMethod
        String greet(String name);

        /** "N:key" fails (retryably) until attempt N + 1; "fatal" fails for good. */
        @ActivityMethod
        String flaky(String key);

        /** Completed later by someone else (async completion). */
        @ActivityMethod
        String manual(String key);

        /** Heartbeats "step-N" every 200 ms until canceled (or 60 s). */
        @ActivityMethod
        String busy(String key);
    }

    public static class ChoresImpl implements Chores {
        @Override
        public String greet(String name) {
            var info = Activity.getExecutionContext().getInfo();
            SEEN.put("workflowId", String.valueOf(info.getWorkflowId()));
            SEEN.put("runId", String.valueOf(info.getActivityRunId()));
            return "hello " + name;
        }

        @Override
        public String flaky(String key) {
            if (key.equals("fatal")) {
                throw ApplicationFailure.newNonRetryableFailure("fatal failure", "Fatal");
            }
            int failures = Integer.parseInt(key.substring(0, key.indexOf(':')));
            int attempt = ATTEMPTS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            if (attempt <= failures) {
                throw ApplicationFailure.newFailure("attempt " + attempt + " failed", "Flaky");
            }
            return "ok after " + attempt;
        }

        @Override
        public String manual(String key) {
            Activity.getExecutionContext().doNotCompleteOnReturn();
            return null;
        }

        @Override
        public String busy(String key) {
            for (int i = 0; i < 300; i++) {
                Activity.getExecutionContext().heartbeat("step-" + i);
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RuntimeException(e);
                }
            }
            return "done";
        }
    }

    @BeforeAll
    static void start() {
        int port = ServerProcess.freePort();
        server = ServerProcess.launch("saa", List.of("dev", "--ephemeral", "--port", Integer.toString(port))).awaitReady();
        service = WorkflowServiceStubs.newConnectedServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build(), Duration.ofSeconds(30));
        WorkflowClient client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
        activities = ActivityClient.newInstance(service, ActivityClientOptions.newBuilder().setNamespace("default").build());
        factory = WorkerFactory.newInstance(client);
        factory.newWorker(QUEUE).registerActivitiesImplementations(new ChoresImpl());
        factory.start();
    }

    @AfterAll
    static void stop() {
        if (factory != null) {
            factory.shutdownNow();
            factory.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (service != null) {
            service.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
    }

    private static StartActivityOptions.Builder options(String id) {
        return StartActivityOptions.newBuilder().setId(id).setTaskQueue(QUEUE).setStartToCloseTimeout(Duration.ofSeconds(30));
    }

    private static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    private static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + e, e);
    }

    private static <T> T eventually(Supplier<T> probe, java.util.function.Predicate<T> done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        T last = probe.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met; last: " + last);
            }
            Thread.sleep(200);
            last = probe.get();
        }
        return last;
    }

    @Test
    void workerCompletesAndTheClientGetsTheResult() {
        String id = id("greet");
        ActivityHandle<String> h = activities.start(Chores.class, Chores::greet, options(id).build(), "world");
        assertEquals("hello world", h.getResult());
        assertEquals("null", SEEN.get("workflowId")); // no workflow behind it
        assertEquals(h.getActivityRunId(), SEEN.get("runId"));
        ActivityExecutionDescription d = h.describe();
        assertEquals(ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_COMPLETED, d.getStatus());
        assertEquals(QUEUE, d.getTaskQueue());
        assertEquals("Greet", d.getActivityType());
        var p = service.blockingStub().pollActivityExecution(PollActivityExecutionRequest.newBuilder()
                .setNamespace("default").setActivityId(id).build());
        assertEquals("\"hello world\"", p.getOutcome().getResult().getPayloads(0).getData().toStringUtf8());
        // Its own id space: no workflow of that id, none listed.
        assertEquals(0, service.blockingStub().countWorkflowExecutions(CountWorkflowExecutionsRequest.newBuilder()
                .setNamespace("default").setQuery("WorkflowId = '" + id + "'").build()).getCount());
    }

    @Test
    void retriesThenSucceeds() {
        String id = id("flaky");
        ActivityHandle<String> h = activities.start(Chores.class, Chores::flaky, options(id).setRetryOptions(RetryOptions
                .newBuilder().setInitialInterval(Duration.ofMillis(100)).setBackoffCoefficient(1).build()).build(), "2:" + id);
        assertEquals("ok after 3", h.getResult());
        assertEquals(3, h.describe().getAttempt());
    }

    @Test
    void nonRetryableFailure() {
        String id = id("fatal");
        ActivityHandle<String> h = activities.start(Chores.class, Chores::flaky, options(id).build(), "fatal");
        Exception e = assertThrows(Exception.class, h::getResult);
        assertEquals("fatal failure", causeOf(e, ApplicationFailure.class).getOriginalMessage());
        assertEquals(ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_FAILED, h.describe().getStatus());
    }

    @Test
    void scheduleToCloseTimeout() {
        String id = id("timeout");
        ActivityHandle<String> h = activities.start(Chores.class, Chores::busy, StartActivityOptions.newBuilder().setId(id)
                .setTaskQueue(QUEUE).setScheduleToCloseTimeout(Duration.ofSeconds(2)).build(), id);
        Exception e = assertThrows(Exception.class, () -> h.getResult(30, TimeUnit.SECONDS));
        causeOf(e, TimeoutFailure.class);
        assertEquals(ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_TIMED_OUT, h.describe().getStatus());
    }

    @Test
    void cancelWithHeartbeatDetails() throws InterruptedException {
        String id = id("cancel");
        ActivityHandle<String> h = activities.start(Chores.class, Chores::busy, options(id)
                .setHeartbeatTimeout(Duration.ofSeconds(5)).build(), id);
        DescribeActivityOptions withDetails = DescribeActivityOptions.newBuilder().setIncludeHeartbeatDetails(true).build();
        ActivityExecutionDescription running = eventually(() -> h.describe(withDetails), ActivityExecutionDescription::hasHeartbeatDetails);
        assertEquals(ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_RUNNING, running.getStatus());
        assertTrue(running.getHeartbeatDetails().get(0, String.class).startsWith("step-"));
        h.cancel("enough");
        Exception e = assertThrows(Exception.class, () -> h.getResult(30, TimeUnit.SECONDS));
        causeOf(e, CanceledFailure.class);
        assertEquals(ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_CANCELED, h.describe().getStatus());
    }

    @Test
    void terminate() throws InterruptedException {
        String id = id("terminate");
        ActivityHandle<String> h = activities.start(Chores.class, Chores::busy, options(id).build(), id);
        eventually(() -> h.describe(DescribeActivityOptions.newBuilder().setIncludeHeartbeatDetails(true).build()),
                ActivityExecutionDescription::hasHeartbeatDetails);
        h.terminate("stop");
        Exception e = assertThrows(Exception.class, () -> h.getResult(30, TimeUnit.SECONDS));
        assertEquals("stop", causeOf(e, TerminatedFailure.class).getOriginalMessage());
        assertEquals(ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_TERMINATED, h.describe().getStatus());
    }

    @Test
    void idConflictAndListCount() throws InterruptedException {
        String id = id("conflict");
        ActivityHandle<String> first = activities.start(Chores.class, Chores::busy, options(id).build(), id);
        assertThrows(ActivityAlreadyStartedException.class,
                () -> activities.start(Chores.class, Chores::busy, options(id).build(), id));
        String query = "ActivityId = '" + id + "'";
        eventually(() -> activities.listExecutions(query).toList(), l -> l.size() == 1);
        var listed = activities.listExecutions(query).toList().get(0);
        assertEquals(id, listed.getActivityId());
        assertEquals(QUEUE, listed.getTaskQueue());
        assertEquals(1, activities.countExecutions(query + " AND ExecutionStatus = 'Running'").getCount());
        assertEquals(1, activities.countExecutions("ActivityType = 'Busy' AND " + query).getCount());
        first.terminate("done");
        ActivityHandle<String> second = activities.start(Chores.class, Chores::greet, options(id).build(), "again");
        assertFalse(second.getActivityRunId().equals(first.getActivityRunId()));
        assertEquals("hello again", second.getResult());
        assertTrue(activities.countExecutions(null).getCount() >= 2);
    }

    @Test
    void completedByIdWithoutAWorkflow() throws Exception {
        String id = id("manual");
        ActivityHandle<String> h = activities.start(Chores.class, Chores::manual, options(id).build(), id);
        eventually(h::describe, d -> d.getRunState() == io.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
        service.blockingStub().respondActivityTaskCompletedById(io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedByIdRequest
                .newBuilder().setNamespace("default").setActivityId(id).setRunId(h.getActivityRunId())
                .setResult(io.temporal.api.common.v1.Payloads.newBuilder().addPayloads(io.temporal.api.common.v1.Payload.newBuilder()
                        .putMetadata("encoding", com.google.protobuf.ByteString.copyFromUtf8("json/plain"))
                        .setData(com.google.protobuf.ByteString.copyFromUtf8("\"by id\"")))).build());
        assertEquals("by id", h.getResult(30, TimeUnit.SECONDS));
    }

    @Test
    void validation() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> service.blockingStub()
                .startActivityExecution(io.temporal.api.workflowservice.v1.StartActivityExecutionRequest.newBuilder()
                        .setNamespace("default").setActivityId(id("v"))
                        .setActivityType(io.temporal.api.common.v1.ActivityType.newBuilder().setName("Greet"))
                        .setTaskQueue(io.temporal.api.taskqueue.v1.TaskQueue.newBuilder().setName(QUEUE)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("a valid StartToCloseTimeout or ScheduleToCloseTimeout"));
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> service.blockingStub()
                .describeActivityExecution(io.temporal.api.workflowservice.v1.DescribeActivityExecutionRequest.newBuilder()
                        .setNamespace("default").setActivityId(id("missing")).build()));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
    }
}
