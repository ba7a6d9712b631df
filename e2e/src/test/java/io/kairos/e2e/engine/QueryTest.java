package io.kairos.e2e.engine;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.QueryRejectCondition;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.query.v1.WorkflowQuery;
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowQueryConditionallyRejectedException;
import io.temporal.client.WorkflowQueryException;
import io.temporal.client.WorkflowQueryRejectedException;
import io.temporal.client.WorkflowServiceException;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.RpcRetryOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * QueryWorkflow through the SDK: the worker answers legacy query tasks by replaying the run, consistently with
 * everything written before the query; failures, rejections and timeouts surface as Temporal's client sees them.
 */
class QueryTest {
    private static WorkerHarness h;
    private static WorkerFactory factory;
    private static String queue;

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("queries");
        queue = "queries-" + UUID.randomUUID();
        factory = startWorker(queue);
    }

    @AfterAll
    static void stop() {
        if (factory != null) {
            factory.shutdownNow();
        }
        if (h != null) {
            h.close();
        }
    }

    private static WorkerFactory startWorker(String taskQueue) {
        WorkerFactory f = WorkerFactory.newInstance(h.client);
        Worker worker = f.newWorker(taskQueue);
        worker.registerWorkflowImplementationTypes(CounterWorkflowImpl.class, BusyWorkflowImpl.class);
        worker.registerActivitiesImplementations(new StepsImpl());
        f.start();
        return f;
    }

    private static <T> T stub(Class<T> type, String id) {
        return h.client.newWorkflowStub(type, WorkflowOptions.newBuilder().setTaskQueue(queue).setWorkflowId(id).build());
    }

    @Test
    void aQueryAfterSignalsSeesThemAndAClosedWorkflowIsQueriedByReplay() throws Exception {
        String id = WorkerHarness.id("counter");
        CounterWorkflow wf = stub(CounterWorkflow.class, id);
        WorkflowClient.start(wf::run);
        assertEquals(0, wf.total());
        wf.add(5);
        wf.add(7);
        // Each signal schedules a workflow task; the query waits for them, so it never misses a signal.
        assertEquals(12, wf.total());

        wf.finish();
        WorkflowStub untyped = WorkflowStub.fromTyped(wf);
        assertEquals("total=12", untyped.getResult(30, TimeUnit.SECONDS, String.class));
        // Closed: the worker has evicted the run and replays its full history to answer.
        assertEquals(12, wf.total());
        assertEquals(12, h.client.newWorkflowStub(CounterWorkflow.class, id).total(), "by workflow id alone");
    }

    @Test
    void aFailingQueryIsAWorkflowQueryException() {
        String id = WorkerHarness.id("failing-query");
        CounterWorkflow wf = stub(CounterWorkflow.class, id);
        WorkflowClient.start(wf::run);
        wf.add(3);
        WorkflowQueryException e = assertThrows(WorkflowQueryException.class, wf::refuse);
        StatusRuntimeException cause = assertInstanceOf(StatusRuntimeException.class, e.getCause());
        assertEquals(Status.Code.INVALID_ARGUMENT, cause.getStatus().getCode());
        assertTrue(cause.getStatus().getDescription().contains("refused at total=3"), cause.getStatus().getDescription());
        // The workflow is unaffected and still answers.
        assertEquals(3, wf.total());
        wf.finish();
    }

    @Test
    void anUnknownQueryTypeFailsInTheWorker() {
        String id = WorkerHarness.id("unknown-query");
        CounterWorkflow wf = stub(CounterWorkflow.class, id);
        WorkflowClient.start(wf::run);
        WorkflowStub untyped = WorkflowStub.fromTyped(wf);
        WorkflowQueryException e = assertThrows(WorkflowQueryException.class, () -> untyped.query("noSuchQuery", String.class));
        StatusRuntimeException cause = assertInstanceOf(StatusRuntimeException.class, e.getCause());
        assertEquals(Status.Code.INVALID_ARGUMENT, cause.getStatus().getCode());
        assertTrue(cause.getStatus().getDescription().contains("noSuchQuery"), cause.getStatus().getDescription());
        wf.finish();
    }

    @Test
    void theBuiltInStackTraceQueryShowsWhereTheWorkflowWaits() {
        String id = WorkerHarness.id("stack");
        CounterWorkflow wf = stub(CounterWorkflow.class, id);
        WorkflowClient.start(wf::run);
        String stack = WorkflowStub.fromTyped(wf).query("__stack_trace", String.class);
        assertTrue(stack.contains("CounterWorkflowImpl.run"), stack);
        assertTrue(stack.contains("await"), stack);
        wf.finish();
    }

    @Test
    void rejectConditionsAnswerWithTheStatusInsteadOfRunningTheQuery() throws Exception {
        String completed = WorkerHarness.id("reject-completed");
        CounterWorkflow done = stub(CounterWorkflow.class, completed);
        WorkflowClient.start(done::run);
        done.add(1);
        done.finish();
        WorkflowStub.fromTyped(done).getResult(30, TimeUnit.SECONDS, String.class);

        String terminated = WorkerHarness.id("reject-terminated");
        CounterWorkflow killed = stub(CounterWorkflow.class, terminated);
        WorkflowClient.start(killed::run);
        killed.add(2);
        assertEquals(2, killed.total());
        WorkflowStub.fromTyped(killed).terminate("test");

        String running = WorkerHarness.id("reject-running");
        CounterWorkflow open = stub(CounterWorkflow.class, running);
        WorkflowClient.start(open::run);
        open.add(4);

        WorkflowClient notOpen = clientRejecting(QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_OPEN);
        var e = assertThrows(WorkflowQueryConditionallyRejectedException.class,
                () -> notOpen.newWorkflowStub(CounterWorkflow.class, completed).total());
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, e.getWorkflowExecutionStatus());
        assertEquals(QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_OPEN, e.getQueryRejectCondition());
        assertEquals(4, notOpen.newWorkflowStub(CounterWorkflow.class, running).total(), "a running workflow is queried");

        WorkflowClient notClean = clientRejecting(QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY);
        assertEquals(1, notClean.newWorkflowStub(CounterWorkflow.class, completed).total(), "completed cleanly: answered");
        var t = assertThrows(WorkflowQueryConditionallyRejectedException.class,
                () -> notClean.newWorkflowStub(CounterWorkflow.class, terminated).total());
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, t.getWorkflowExecutionStatus());
        // Without a condition a terminated workflow is queried like any closed one.
        assertEquals(2, h.client.newWorkflowStub(CounterWorkflow.class, terminated).total());
        open.finish();

        // Closed before any workflow task completed: nothing to replay, Temporal's WorkflowNotReady.
        String never = WorkerHarness.id("never-ran");
        CounterWorkflow unborn = h.client.newWorkflowStub(CounterWorkflow.class, WorkflowOptions.newBuilder()
                .setTaskQueue("nobody-" + UUID.randomUUID()).setWorkflowId(never).build());
        WorkflowClient.start(unborn::run);
        WorkflowStub.fromTyped(unborn).terminate("before any task");
        var notReady = assertThrows(WorkflowQueryRejectedException.class, unborn::total);
        StatusRuntimeException cause = assertInstanceOf(StatusRuntimeException.class, notReady.getCause());
        assertEquals(Status.Code.FAILED_PRECONDITION, cause.getStatus().getCode());
    }

    private static WorkflowClient clientRejecting(QueryRejectCondition condition) {
        return WorkflowClient.newInstance(h.service, WorkflowClientOptions.newBuilder().setNamespace("default")
                .setQueryRejectCondition(condition).build());
    }

    @Test
    void aQueryWithNoWorkerEndsAtTheCallersDeadline() {
        // One attempt: the SDK otherwise retries a timed-out query until its retry expiration (a minute).
        WorkflowServiceStubs shortStubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
                .setTarget("127.0.0.1:" + h.port).setRpcQueryTimeout(Duration.ofSeconds(3))
                .setRpcRetryOptions(RpcRetryOptions.newBuilder().setMaximumAttempts(1).validateBuildWithDefaults()).build());
        try {
            WorkflowClient shortClient = WorkflowClient.newInstance(shortStubs,
                    WorkflowClientOptions.newBuilder().setNamespace("default").build());
            // Nobody polls this queue: the first workflow task never completes, so the query waits for it.
            String id = WorkerHarness.id("no-worker");
            CounterWorkflow wf = shortClient.newWorkflowStub(CounterWorkflow.class, WorkflowOptions.newBuilder()
                    .setTaskQueue("nobody-" + UUID.randomUUID()).setWorkflowId(id).build());
            WorkflowClient.start(wf::run);
            long started = System.nanoTime();
            WorkflowServiceException e = assertThrows(WorkflowServiceException.class, wf::total);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            StatusRuntimeException cause = assertInstanceOf(StatusRuntimeException.class, e.getCause());
            assertEquals(Status.Code.DEADLINE_EXCEEDED, cause.getStatus().getCode());
            assertTrue(tookMs >= 2_500 && tookMs < 6_000, "answered after " + tookMs + " ms");

            // The same through the raw API: the server's answer is DEADLINE_EXCEEDED, not a hang.
            long rawStart = System.nanoTime();
            StatusRuntimeException raw = assertThrows(StatusRuntimeException.class, () -> h.service.blockingStub()
                    .withDeadlineAfter(2, TimeUnit.SECONDS).queryWorkflow(QueryWorkflowRequest.newBuilder()
                            .setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
                            .setQuery(WorkflowQuery.newBuilder().setQueryType("total")).build()));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, raw.getStatus().getCode());
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - rawStart) < 4_000);
            WorkflowStub.fromTyped(wf).terminate("done");
        } finally {
            shortStubs.shutdownNow();
        }
    }

    @Test
    void aQueryOnAnUnknownWorkflowIsNotFound() {
        CounterWorkflow missing = h.client.newWorkflowStub(CounterWorkflow.class, "no-such-workflow-" + UUID.randomUUID());
        assertThrows(WorkflowNotFoundException.class, missing::total);
        StatusRuntimeException wrongRun = assertThrows(StatusRuntimeException.class, () -> h.service.blockingStub()
                .queryWorkflow(QueryWorkflowRequest.newBuilder().setNamespace("default")
                        .setExecution(WorkflowExecution.newBuilder().setWorkflowId("nope").setRunId(UUID.randomUUID().toString()))
                        .setQuery(WorkflowQuery.newBuilder().setQueryType("total")).build()));
        assertEquals(Status.Code.NOT_FOUND, wrongRun.getStatus().getCode());
    }

    @Test
    void badRequestsGetTemporalsErrors() {
        QueryWorkflowRequest ok = QueryWorkflowRequest.newBuilder().setNamespace("default")
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId("w"))
                .setQuery(WorkflowQuery.newBuilder().setQueryType("total")).build();
        assertStatus(Status.Code.INVALID_ARGUMENT, "QueryType is not set on request.",
                () -> h.service.blockingStub().queryWorkflow(ok.toBuilder().setQuery(WorkflowQuery.getDefaultInstance()).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "WorkflowQuery is not set on request.",
                () -> h.service.blockingStub().queryWorkflow(ok.toBuilder().clearQuery().build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "WorkflowId is not set on request.",
                () -> h.service.blockingStub().queryWorkflow(ok.toBuilder()
                        .setExecution(WorkflowExecution.getDefaultInstance()).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "Namespace not set on request.",
                () -> h.service.blockingStub().queryWorkflow(ok.toBuilder().clearNamespace().build()));
        assertStatus(Status.Code.NOT_FOUND, null,
                () -> h.service.blockingStub().queryWorkflow(ok.toBuilder().setNamespace("no-such-namespace").build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, null, () -> h.service.blockingStub().respondQueryTaskCompleted(
                io.temporal.api.workflowservice.v1.RespondQueryTaskCompletedRequest.newBuilder().setNamespace("default")
                        .setTaskToken(com.google.protobuf.ByteString.copyFromUtf8("garbage")).build()));
    }

    private static void assertStatus(Status.Code code, String message, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, e.getStatus().getCode(), String.valueOf(e.getStatus()));
        if (message != null) {
            assertEquals(message, e.getStatus().getDescription());
        }
    }

    @Test
    void aQueryWhileTheWorkflowIsBusyAnswersConsistently() throws Exception {
        String id = WorkerHarness.id("busy");
        BusyWorkflow wf = stub(BusyWorkflow.class, id);
        WorkflowClient.start(wf::run, id);
        // The first workflow task runs a 3 s local activity: the task is in flight the whole time.
        assertTrue(StepsImpl.latch(id + "/local-started").await(20, TimeUnit.SECONDS));
        long started = System.nanoTime();
        assertEquals("after-local-activity", wf.stage(), "answered once the in-flight task completed, with its state");
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(waitedMs >= 1_500, "the query waited for the workflow task, only " + waitedMs + " ms");

        // Now an activity runs (no workflow task in flight): the query is answered at once.
        assertTrue(StepsImpl.latch(id + "/activity-started").await(20, TimeUnit.SECONDS));
        long quick = System.nanoTime();
        assertEquals("after-local-activity", wf.stage());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - quick) < 2_000);

        StepsImpl.latch(id + "/activity-release").countDown();
        assertEquals("after-activity", eventually(wf::stage, "after-activity"));
        wf.finish();
        assertEquals("done", WorkflowStub.fromTyped(wf).getResult(30, TimeUnit.SECONDS, String.class));
        assertEquals("done", wf.stage());
    }

    @Test
    void aQueryFallsBackToTheNormalQueueWhenTheStickyWorkerIsGone() throws Exception {
        String fallbackQueue = "queries-fallback-" + UUID.randomUUID();
        WorkerFactory first = startWorker(fallbackQueue);
        String id = WorkerHarness.id("fallback");
        CounterWorkflow wf = h.client.newWorkflowStub(CounterWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue(fallbackQueue).setWorkflowId(id).build());
        WorkflowClient.start(wf::run);
        wf.add(9);
        assertEquals(9, wf.total());
        first.shutdownNow();
        first.awaitTermination(10, TimeUnit.SECONDS);
        // A new worker (empty cache, new sticky queue): the run's sticky queue has no poller any more, so after
        // the sticky attempt the query goes to the normal queue and the worker replays the full history.
        WorkerFactory second = startWorker(fallbackQueue);
        try {
            assertEquals(9, wf.total());
            wf.add(1);
            assertEquals(10, wf.total());
            wf.finish();
            assertEquals("total=10", WorkflowStub.fromTyped(wf).getResult(30, TimeUnit.SECONDS, String.class));
        } finally {
            second.shutdownNow();
        }
    }

    private static <T> T eventually(Supplier<T> read, T expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        T last = read.get();
        while (!expected.equals(last) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            last = read.get();
        }
        return last;
    }

    // ---- workflows ---------------------------------------------------------------------------------------

    @WorkflowInterface
    public interface CounterWorkflow {
        @WorkflowMethod
        String run();

        @SignalMethod
        void add(int n);

        @SignalMethod
        void finish();

        @QueryMethod
        int total();

        /** Always throws. */
        @QueryMethod
        int refuse();
    }

    public static final class CounterWorkflowImpl implements CounterWorkflow {
        private int total;
        private boolean finished;

        @Override
        public String run() {
            Workflow.await(() -> finished);
            return "total=" + total;
        }

        @Override
        public void add(int n) {
            total += n;
        }

        @Override
        public void finish() {
            finished = true;
        }

        @Override
        public int total() {
            return total;
        }

        @Override
        public int refuse() {
            throw new IllegalStateException("refused at total=" + total);
        }
    }

    @WorkflowInterface
    public interface BusyWorkflow {
        @WorkflowMethod
        String run(String key);

        @QueryMethod
        String stage();

        @SignalMethod
        void finish();
    }

    public static final class BusyWorkflowImpl implements BusyWorkflow {
        private String stage = "started";
        private boolean finished;

        @Override
        public String run(String key) {
            Steps local = Workflow.newLocalActivityStub(Steps.class,
                    LocalActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(10)).build());
            Steps remote = Workflow.newActivityStub(Steps.class,
                    ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(60)).build());
            stage = "in-local-activity";
            local.slow(key, 3_000);
            stage = "after-local-activity";
            remote.blocking(key);
            stage = "after-activity";
            Workflow.await(() -> finished);
            stage = "done";
            return stage;
        }

        @Override
        public String stage() {
            return stage;
        }

        @Override
        public void finish() {
            finished = true;
        }
    }

    @ActivityInterface
    public interface Steps {
        @ActivityMethod
        void slow(String key, long millis);

        @ActivityMethod
        void blocking(String key);
    }

    public static final class StepsImpl implements Steps {
        private static final Map<String, CountDownLatch> LATCHES = new ConcurrentHashMap<>();

        static CountDownLatch latch(String name) {
            return LATCHES.computeIfAbsent(name, n -> new CountDownLatch(1));
        }

        @Override
        public void slow(String key, long millis) {
            latch(key + "/local-started").countDown();
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void blocking(String key) {
            latch(key + "/activity-started").countDown();
            try {
                latch(key + "/activity-release").await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
