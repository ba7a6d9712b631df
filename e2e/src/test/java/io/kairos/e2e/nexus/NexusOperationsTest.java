package io.kairos.e2e.nexus;

import io.kairos.e2e.ServerProcess;
import io.nexusrpc.handler.HandlerException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.CallbackState;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.PendingNexusOperationState;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.nexus.v1.EndpointSpec;
import io.temporal.api.nexus.v1.EndpointTarget;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.NexusOperationFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nexus operations end to end with the Java SDK on both sides: a caller workflow on one queue, a worker with the
 * Nexus service (sync and WorkflowRunOperation) on the endpoint's target queue. Asserts what the caller gets and
 * the events and state the server records.
 */
class NexusOperationsTest {
    private static final String CALLER_QUEUE = "nexus-caller-" + UUID.randomUUID();
    private static final String HANDLER_QUEUE = "nexus-handler-" + UUID.randomUUID();
    private static final String ENDPOINT = "echo-" + UUID.randomUUID().toString().substring(0, 8);
    private static ServerProcess server;
    private static WorkflowServiceStubs service;
    private static WorkflowClient client;
    private static WorkerFactory factory;
    private static io.kairos.e2e.Clients clients;

    @BeforeAll
    static void start() {
        int port = ServerProcess.freePort();
        server = ServerProcess.launch("nexus-ops", List.of("dev", "--ephemeral", "--port", Integer.toString(port))).awaitReady();
        service = WorkflowServiceStubs.newConnectedServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build(), Duration.ofSeconds(30));
        client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
        clients = new io.kairos.e2e.Clients(port);
        clients.operator.blockingStub().createNexusEndpoint(CreateNexusEndpointRequest.newBuilder().setSpec(EndpointSpec.newBuilder()
                .setName(ENDPOINT).setTarget(EndpointTarget.newBuilder().setWorker(EndpointTarget.Worker.newBuilder()
                        .setNamespace("default").setTaskQueue(HANDLER_QUEUE)))).build());
        factory = WorkerFactory.newInstance(client);
        Worker caller = factory.newWorker(CALLER_QUEUE);
        caller.registerWorkflowImplementationTypes(NexusTestWorkflows.CallerWorkflowImpl.class);
        Worker handler = factory.newWorker(HANDLER_QUEUE);
        handler.registerWorkflowImplementationTypes(NexusTestWorkflows.HandlerWorkflowImpl.class);
        handler.registerNexusServiceImplementation(new NexusTestWorkflows.EchoServiceImpl());
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
        if (clients != null) {
            clients.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static NexusTestWorkflows.CallerWorkflow caller(String id) {
        return client.newWorkflowStub(NexusTestWorkflows.CallerWorkflow.class, WorkflowOptions.newBuilder()
                .setTaskQueue(CALLER_QUEUE).setWorkflowId(id).setWorkflowExecutionTimeout(Duration.ofMinutes(2)).build());
    }

    private static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    private static List<HistoryEvent> history(String id) {
        return client.fetchHistory(id).getEvents();
    }

    private static List<EventType> nexusEvents(List<HistoryEvent> events) {
        return events.stream().map(HistoryEvent::getEventType).filter(t -> t.name().contains("NEXUS")).toList();
    }

    private static HistoryEvent only(List<HistoryEvent> events, EventType type) {
        List<HistoryEvent> found = events.stream().filter(e -> e.getEventType() == type).toList();
        assertEquals(1, found.size(), type + " in " + events.stream().map(HistoryEvent::getEventType).toList());
        return found.get(0);
    }

    private static DescribeWorkflowExecutionResponse describe(String id) {
        return service.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build());
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
    void unknownEndpointFailsTheWorkflowTask() throws InterruptedException {
        String id = id("unknown-endpoint");
        WorkflowClient.start(caller(id)::call, "no-such-endpoint", "sync", "x");
        List<HistoryEvent> events = eventually(() -> history(id),
                es -> es.stream().anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED));
        var failed = events.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
                .findFirst().orElseThrow().getWorkflowTaskFailedEventAttributes();
        assertEquals(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_NEXUS_OPERATION_ATTRIBUTES, failed.getCause());
        assertTrue(failed.getFailure().getMessage().contains("endpoint \"no-such-endpoint\" not found"), failed.getFailure().getMessage());
        assertTrue(nexusEvents(events).isEmpty());
        client.newUntypedWorkflowStub(id).terminate("done");
    }

    @Test
    void syncOperationCompletes() {
        String id = id("sync");
        assertEquals("echo:hello", caller(id).call(ENDPOINT, "sync", "hello"));
        List<HistoryEvent> events = history(id);
        assertEquals(List.of(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, EventType.EVENT_TYPE_NEXUS_OPERATION_COMPLETED),
                nexusEvents(events));
        var scheduled = only(events, EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED);
        var s = scheduled.getNexusOperationScheduledEventAttributes();
        assertEquals(ENDPOINT, s.getEndpoint());
        assertFalse(s.getEndpointId().isEmpty());
        assertEquals("EchoService", s.getService());
        assertEquals("echo", s.getOperation());
        assertFalse(s.getRequestId().isEmpty());
        assertTrue(s.getWorkflowTaskCompletedEventId() > 0);
        var c = only(events, EventType.EVENT_TYPE_NEXUS_OPERATION_COMPLETED).getNexusOperationCompletedEventAttributes();
        assertEquals(scheduled.getEventId(), c.getScheduledEventId());
        assertEquals(s.getRequestId(), c.getRequestId());
        assertTrue(c.getResult().getData().toStringUtf8().contains("echo:hello"));
    }

    @Test
    void syncOperationFailureReachesTheCaller() {
        String id = id("sync-fail");
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> caller(id).call(ENDPOINT, "sync", "fail"));
        NexusOperationFailure nf = assertInstanceOf(NexusOperationFailure.class, e.getCause());
        assertEquals(ENDPOINT, nf.getEndpoint());
        assertEquals("EchoService", nf.getService());
        assertEquals("echo", nf.getOperation());
        ApplicationFailure cause = assertInstanceOf(ApplicationFailure.class, nf.getCause());
        assertEquals("boom", cause.getOriginalMessage());
        List<HistoryEvent> events = history(id);
        assertEquals(List.of(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, EventType.EVENT_TYPE_NEXUS_OPERATION_FAILED),
                nexusEvents(events));
        var failure = only(events, EventType.EVENT_TYPE_NEXUS_OPERATION_FAILED).getNexusOperationFailedEventAttributes().getFailure();
        assertTrue(failure.hasNexusOperationExecutionFailureInfo());
        assertEquals(only(events, EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED).getEventId(),
                failure.getNexusOperationExecutionFailureInfo().getScheduledEventId());
    }

    @Test
    void nonRetryableHandlerErrorFailsTheOperation() {
        String id = id("handler-error");
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> caller(id).call(ENDPOINT, "sync", "bad"));
        NexusOperationFailure nf = assertInstanceOf(NexusOperationFailure.class, e.getCause());
        HandlerException he = assertInstanceOf(HandlerException.class, nf.getCause());
        assertEquals(HandlerException.ErrorType.BAD_REQUEST, he.getErrorType());
        var failure = only(history(id), EventType.EVENT_TYPE_NEXUS_OPERATION_FAILED).getNexusOperationFailedEventAttributes()
                .getFailure();
        assertEquals("BAD_REQUEST", failure.getCause().getNexusHandlerFailureInfo().getType());
    }

    @Test
    void retryableHandlerErrorIsRetried() {
        String id = id("flaky");
        assertEquals("echo:flaky:2 after 3", caller(id).call(ENDPOINT, "sync", "flaky:2"));
        assertEquals(List.of(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, EventType.EVENT_TYPE_NEXUS_OPERATION_COMPLETED),
                nexusEvents(history(id)));
    }

    @Test
    void workflowRunOperationCompletesThroughTheCallback() throws InterruptedException {
        String id = id("async");
        WorkflowClient.start(caller(id)::call, ENDPOINT, "async", "block");
        DescribeWorkflowExecutionResponse d = eventually(() -> describe(id), r -> r.getPendingNexusOperationsCount() == 1
                && r.getPendingNexusOperations(0).getState() == PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_STARTED);
        var pending = d.getPendingNexusOperations(0);
        assertEquals(ENDPOINT, pending.getEndpoint());
        assertEquals("run", pending.getOperation());
        assertFalse(pending.getOperationToken().isEmpty());
        assertEquals(1, pending.getAttempt());

        List<HistoryEvent> events = history(id);
        HistoryEvent scheduled = only(events, EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED);
        String handlerId = "handler-" + scheduled.getNexusOperationScheduledEventAttributes().getRequestId();
        // The handler run carries the callback (waiting for its close) with a link back to the caller's event.
        DescribeWorkflowExecutionResponse handler = describe(handlerId);
        assertEquals(1, handler.getCallbacksCount());
        assertEquals(CallbackState.CALLBACK_STATE_STANDBY, handler.getCallbacks(0).getState());
        assertEquals("temporal://system", handler.getCallbacks(0).getCallback().getNexus().getUrl());
        var callbackLink = handler.getCallbacks(0).getCallback().getLinks(0).getWorkflowEvent();
        assertEquals(id, callbackLink.getWorkflowId());
        assertEquals(scheduled.getEventId(), callbackLink.getEventRef().getEventId());

        client.newWorkflowStub(NexusTestWorkflows.HandlerWorkflow.class, handlerId).unblock();
        assertEquals("done:block", client.newUntypedWorkflowStub(id).getResult(String.class));
        events = history(id);
        assertEquals(List.of(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED,
                EventType.EVENT_TYPE_NEXUS_OPERATION_COMPLETED), nexusEvents(events));
        var started = only(events, EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED).getNexusOperationStartedEventAttributes();
        assertEquals(pending.getOperationToken(), started.getOperationToken());
        assertEquals(started.getOperationToken(), started.getOperationId());
        eventually(() -> describe(handlerId).getCallbacks(0).getState(), s -> s == CallbackState.CALLBACK_STATE_SUCCEEDED);
    }

    /** As Temporal: the closed caller still describes the operation it left pending; the handler's late answer is refused. */
    @Test
    void aClosedCallerStillDescribesItsPendingOperation() throws InterruptedException {
        String id = id("closed-caller");
        WorkflowClient.start(caller(id)::call, ENDPOINT, "async", "block");
        eventually(() -> describe(id), r -> r.getPendingNexusOperationsCount() == 1
                && r.getPendingNexusOperations(0).getState() == PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_STARTED);
        client.newUntypedWorkflowStub(id).terminate("done");

        DescribeWorkflowExecutionResponse d = describe(id);
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, d.getWorkflowExecutionInfo().getStatus());
        assertEquals(1, d.getPendingNexusOperationsCount());
        assertEquals(PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_STARTED, d.getPendingNexusOperations(0).getState());
        assertEquals("run", d.getPendingNexusOperations(0).getOperation());

        String handlerId = "handler-" + only(history(id), EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED)
                .getNexusOperationScheduledEventAttributes().getRequestId();
        client.newWorkflowStub(NexusTestWorkflows.HandlerWorkflow.class, handlerId).unblock();
        client.newUntypedWorkflowStub(handlerId).getResult(String.class);
        eventually(() -> describe(handlerId).getCallbacks(0).getState(), s -> s == CallbackState.CALLBACK_STATE_FAILED);
        assertEquals(List.of(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED),
                nexusEvents(history(id)), "nothing is written to the closed caller");
        assertEquals(1, describe(id).getPendingNexusOperationsCount());
    }

    @Test
    void workflowRunOperationFailureThroughTheCallback() {
        String id = id("async-fail");
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> caller(id).call(ENDPOINT, "async", "fail"));
        NexusOperationFailure nf = assertInstanceOf(NexusOperationFailure.class, e.getCause());
        assertFalse(nf.getOperationToken().isEmpty());
        ApplicationFailure cause = assertInstanceOf(ApplicationFailure.class, nf.getCause());
        assertEquals("handler run failed", cause.getOriginalMessage());
        assertEquals("RunFailure", cause.getType());
        assertEquals(List.of(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED,
                EventType.EVENT_TYPE_NEXUS_OPERATION_FAILED), nexusEvents(history(id)));
    }

    @Test
    void scheduleToCloseTimeout() {
        String id = id("timeout");
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> caller(id).call(ENDPOINT, "timeout", "block"));
        NexusOperationFailure nf = assertInstanceOf(NexusOperationFailure.class, e.getCause());
        TimeoutFailure tf = assertInstanceOf(TimeoutFailure.class, nf.getCause());
        assertEquals(TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, tf.getTimeoutType());
        List<HistoryEvent> events = history(id);
        assertEquals(List.of(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED,
                EventType.EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT), nexusEvents(events));
        assertEquals(3, only(events, EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED).getNexusOperationScheduledEventAttributes()
                .getScheduleToCloseTimeout().getSeconds());
    }

    @Test
    void cancelAsyncOperation() {
        String id = id("cancel");
        assertEquals("canceled:CanceledFailure", caller(id).call(ENDPOINT, "cancel", "block"));
        List<HistoryEvent> events = history(id);
        List<EventType> nexus = nexusEvents(events);
        assertEquals(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, nexus.get(0));
        assertEquals(EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED, nexus.get(1));
        assertTrue(nexus.contains(EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED), nexus.toString());
        assertTrue(nexus.contains(EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_COMPLETED), nexus.toString());
        assertEquals(EventType.EVENT_TYPE_NEXUS_OPERATION_CANCELED, nexus.get(nexus.size() - 1));
        var requested = only(events, EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED);
        var completed = only(events, EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_COMPLETED)
                .getNexusOperationCancelRequestCompletedEventAttributes();
        assertEquals(requested.getEventId(), completed.getRequestedEventId());
        var canceled = only(events, EventType.EVENT_TYPE_NEXUS_OPERATION_CANCELED).getNexusOperationCanceledEventAttributes();
        assertTrue(canceled.getFailure().getCause().hasCanceledFailureInfo());
    }

    @Test
    void secondCallerAttachesToTheRunningHandlerRun() throws InterruptedException {
        String input = "block-" + UUID.randomUUID();
        String first = id("attach-1");
        String second = id("attach-2");
        WorkflowClient.start(caller(first)::call, ENDPOINT, "shared", input);
        eventually(() -> describe(first), r -> r.getPendingNexusOperationsCount() == 1
                && r.getPendingNexusOperations(0).getState() == PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_STARTED);
        WorkflowClient.start(caller(second)::call, ENDPOINT, "shared", input);
        eventually(() -> describe(second), r -> r.getPendingNexusOperationsCount() == 1
                && r.getPendingNexusOperations(0).getState() == PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_STARTED);
        String handlerId = "shared-" + input;
        // The second start attached its callback to the running handler run (WorkflowExecutionOptionsUpdated).
        DescribeWorkflowExecutionResponse handler = eventually(() -> describe(handlerId), r -> r.getCallbacksCount() == 2);
        HistoryEvent updated = only(history(handlerId), EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED);
        assertEquals(1, updated.getWorkflowExecutionOptionsUpdatedEventAttributes().getAttachedCompletionCallbacksCount());
        // The request's links repeat the callback's: Temporal drops them from the request (the callback keeps them).
        assertEquals(0, updated.getLinksCount());
        assertEquals(second, updated.getWorkflowExecutionOptionsUpdatedEventAttributes().getAttachedCompletionCallbacks(0)
                .getLinks(0).getWorkflowEvent().getWorkflowId());
        // The second caller's NexusOperationStarted links the handler run by the attaching request's id.
        HistoryEvent secondStarted = only(history(second), EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED);
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED,
                secondStarted.getLinks(0).getWorkflowEvent().getRequestIdRef().getEventType());
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, only(history(first),
                EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED).getLinks(0).getWorkflowEvent().getEventRef().getEventType());
        client.newWorkflowStub(NexusTestWorkflows.HandlerWorkflow.class, handlerId).unblock();
        eventually(() -> history(handlerId).stream().map(e -> e.getEventType() + (e.hasWorkflowTaskFailedEventAttributes()
                        ? e.getWorkflowTaskFailedEventAttributes().getFailure().getMessage() : "")).toList(),
                events -> describe(handlerId).getCallbacksList().stream()
                        .allMatch(c -> c.getState() == CallbackState.CALLBACK_STATE_SUCCEEDED));
        assertEquals("done:" + input, client.newUntypedWorkflowStub(first).getResult(String.class));
        assertEquals("done:" + input, client.newUntypedWorkflowStub(second).getResult(String.class));
        assertEquals(2, handler.getCallbacksCount());
    }

    @Test
    void handlerRunStartedEventDropsLinksItsCallbackCarries() throws InterruptedException {
        String callerId = id("dedup");
        String input = "block-" + UUID.randomUUID();
        WorkflowClient.start(caller(callerId)::call, ENDPOINT, "shared", input);
        eventually(() -> describe(callerId), r -> r.getPendingNexusOperationsCount() == 1
                && r.getPendingNexusOperations(0).getState() == PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_STARTED);
        String handlerId = "shared-" + input;
        HistoryEvent started = history(handlerId).get(0);
        assertEquals(0, started.getLinksCount());
        assertEquals(callerId, started.getWorkflowExecutionStartedEventAttributes().getCompletionCallbacks(0)
                .getLinks(0).getWorkflowEvent().getWorkflowId());
        client.newWorkflowStub(NexusTestWorkflows.HandlerWorkflow.class, handlerId).unblock();
        assertEquals("done:" + input, client.newUntypedWorkflowStub(callerId).getResult(String.class));
    }

    @Test
    void signalWithStartFromAHandlerLinksBothWays() {
        String callerId = id("poke");
        String input = UUID.randomUUID().toString();
        assertEquals("poked", caller(callerId).call(ENDPOINT, "poke", input));
        String pokedId = "poke-" + input;
        assertEquals("done:block", client.newUntypedWorkflowStub(pokedId).getResult(String.class));
        // Caller -> handled run: the request's link (the caller's scheduled event) on both events it wrote.
        List<HistoryEvent> poked = history(pokedId);
        HistoryEvent signaled = only(poked, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
        assertEquals(callerId, signaled.getLinks(0).getWorkflowEvent().getWorkflowId());
        assertEquals(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED,
                signaled.getLinks(0).getWorkflowEvent().getEventRef().getEventType());
        assertFalse(signaled.getWorkflowExecutionSignaledEventAttributes().getRequestId().isEmpty());
        assertEquals(callerId, poked.get(0).getLinks(0).getWorkflowEvent().getWorkflowId());
        // Handled run -> caller: the signal response's request-id link on NexusOperationCompleted.
        HistoryEvent completed = only(history(callerId), EventType.EVENT_TYPE_NEXUS_OPERATION_COMPLETED);
        var back = completed.getLinks(0).getWorkflowEvent();
        assertEquals(pokedId, back.getWorkflowId());
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, back.getRequestIdRef().getEventType());
        assertEquals(signaled.getWorkflowExecutionSignaledEventAttributes().getRequestId(), back.getRequestIdRef().getRequestId());
    }

    private static TimeoutType timeoutOf(String id, String endpoint, String mode, String input) {
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> caller(id).call(endpoint, mode, input));
        NexusOperationFailure nf = assertInstanceOf(NexusOperationFailure.class, e.getCause());
        HistoryEvent timedOut = only(history(id), EventType.EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT);
        assertEquals("operation timed out", timedOut.getNexusOperationTimedOutEventAttributes().getFailure().getCause().getMessage());
        return assertInstanceOf(TimeoutFailure.class, nf.getCause()).getTimeoutType();
    }

    @Test
    void scheduleToStartTimeoutWhenNoHandlerAnswers() {
        // An endpoint whose queue has no worker: the start never answers.
        String idle = "idle-" + UUID.randomUUID().toString().substring(0, 8);
        clients.operator.blockingStub().createNexusEndpoint(CreateNexusEndpointRequest.newBuilder().setSpec(EndpointSpec.newBuilder()
                .setName(idle).setTarget(EndpointTarget.newBuilder().setWorker(EndpointTarget.Worker.newBuilder()
                        .setNamespace("default").setTaskQueue("nobody-" + UUID.randomUUID())))).build());
        String id = id("s2s");
        assertEquals(TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START, timeoutOf(id, idle, "scheduleToStart", "x"));
        var scheduled = only(history(id), EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED).getNexusOperationScheduledEventAttributes();
        assertEquals(2, scheduled.getScheduleToStartTimeout().getSeconds());
    }

    @Test
    void startToCloseTimeoutOfAStartedOperation() {
        String id = id("s2c");
        assertEquals(TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE, timeoutOf(id, ENDPOINT, "startToClose", "block"));
        assertEquals(List.of(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED,
                EventType.EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT), nexusEvents(history(id)));
    }

    @Test
    void scheduleToStartTimerIsHarmlessOnceStarted() {
        // The operation starts well within its schedule-to-start timeout and completes later: no timeout.
        assertEquals("echo:quick", caller(id("s2s-ok")).call(ENDPOINT, "scheduleToStart", "quick"));
    }

    @Test
    void tooLongOperationTokenNeverStartsTheOperation() throws InterruptedException {
        // As Temporal: the frontend rejects the worker's answer (INVALID_ARGUMENT), so the attempt gets no answer
        // and is retried; the operation never starts.
        String id = id("token");
        WorkflowClient.start(caller(id)::call, ENDPOINT, "longToken", "4097");
        DescribeWorkflowExecutionResponse d = eventually(() -> describe(id), r -> r.getPendingNexusOperationsCount() == 1
                && r.getPendingNexusOperations(0).getAttempt() >= 2);
        assertTrue(d.getPendingNexusOperations(0).hasLastAttemptFailure());
        assertTrue(d.getPendingNexusOperations(0).getOperationToken().isEmpty());
        assertEquals(List.of(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED), nexusEvents(history(id)));
        client.newUntypedWorkflowStub(id).terminate("done");
    }

    @Test
    void operationTokenAtTheLimitStarts() throws InterruptedException {
        String id = id("token-ok");
        WorkflowClient.start(caller(id)::call, ENDPOINT, "longToken", "4096");
        eventually(() -> describe(id), r -> r.getPendingNexusOperationsCount() == 1
                && r.getPendingNexusOperations(0).getState() == PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_STARTED);
        client.newUntypedWorkflowStub(id).terminate("done");
    }

    @Test
    void systemInfoClaimsNexus() {
        assertTrue(service.blockingStub().getSystemInfo(GetSystemInfoRequest.getDefaultInstance()).getCapabilities().getNexus());
    }
}
