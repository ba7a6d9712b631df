package io.kairos.e2e.engine;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowQueryException;
import io.temporal.client.WorkflowServiceException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.TerminatedFailure;
import io.temporal.internal.retryer.GrpcMessageTooLargeException;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests over the frontend's 4 MiB limit are refused with Go gRPC's RESOURCE_EXHAUSTED text, which the SDK
 * recognises: a too-large start fails at once; a workflow task completion too large to send makes the worker fail
 * the task with GRPC_MESSAGE_TOO_LARGE, and the server terminates the run (the started task failed with
 * FORCE_CLOSE_COMMAND first); a query answer too large reaches the caller as a failed query.
 */
class MessageTooLargeTest {
    private static final String LARGE = "Very Large Data ".repeat(500_000); // about 8 MB
    private static WorkerHarness h;
    private static String queue;

    @ActivityInterface
    public interface Sink {
        void take(String data);
    }

    public static class SinkImpl implements Sink {
        @Override
        public void take(String data) {
            throw new IllegalStateException("must not start");
        }
    }

    @WorkflowInterface
    public interface Big {
        @WorkflowMethod
        void run(String arg);

        @QueryMethod
        String query();
    }

    public static class BigImpl implements Big {
        @Override
        public void run(String arg) {
            if (arg.equals("activity")) {
                Workflow.newActivityStub(Sink.class, ActivityOptions.newBuilder()
                        .setStartToCloseTimeout(Duration.ofSeconds(5)).build()).take(LARGE);
            }
        }

        @Override
        public String query() {
            return LARGE;
        }
    }

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("too-large");
        queue = "too-large-" + UUID.randomUUID();
        h.workersOn(queue, new Class<?>[] {BigImpl.class}, new SinkImpl());
    }

    @AfterAll
    static void stop() {
        if (h != null) {
            h.close();
        }
    }

    private static Big stub() {
        return h.client.newWorkflowStub(Big.class, WorkflowOptions.newBuilder().setTaskQueue(queue)
                .setWorkflowId("too-large-" + UUID.randomUUID()).setWorkflowRunTimeout(Duration.ofSeconds(30)).build());
    }

    @Test
    void aTooLargeStartFailsAtOnce() {
        Big wf = stub();
        WorkflowServiceException e = assertThrows(WorkflowServiceException.class, () -> WorkflowClient.start(wf::run, LARGE));
        assertInstanceOf(GrpcMessageTooLargeException.class, e.getCause());
    }

    @Test
    void aCompletionTooLargeToSendTerminatesTheRun() {
        Big wf = stub();
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> wf.run("activity"));
        assertInstanceOf(TerminatedFailure.class, e.getCause());
        List<HistoryEvent> events = h.client.fetchHistory(WorkflowStub.fromTyped(wf).getExecution().getWorkflowId()).getEvents();
        assertTrue(events.stream().noneMatch(ev -> ev.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED));
        List<HistoryEvent> failed = events.stream()
                .filter(ev -> ev.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED).toList();
        assertEquals(1, failed.size());
        assertEquals(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
                failed.get(0).getWorkflowTaskFailedEventAttributes().getCause());
        HistoryEvent last = events.get(events.size() - 1);
        assertEquals("WORKFLOW_TASK_FAILED_CAUSE_GRPC_MESSAGE_TOO_LARGE",
                last.getWorkflowExecutionTerminatedEventAttributes().getReason());
    }

    @Test
    void aQueryAnswerTooLargeIsAFailedQuery() {
        Big wf = stub();
        wf.run("");
        WorkflowQueryException e = assertThrows(WorkflowQueryException.class, wf::query);
        assertTrue(e.getCause().getMessage().contains("larger than max"), e.getCause().getMessage());
    }
}
