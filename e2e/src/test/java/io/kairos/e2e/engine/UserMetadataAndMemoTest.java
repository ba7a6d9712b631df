package io.kairos.e2e.engine;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * User metadata (summary and details) sent with a start request or a command lands on the event it writes, as in
 * Temporal, where the Web UI shows it; and a memo upsert with a null value deletes the key.
 */
class UserMetadataAndMemoTest {
    private static WorkerHarness h;
    private static String queue;

    @ActivityInterface
    public interface Echo {
        String echo(String s);
    }

    public static class EchoImpl implements Echo {
        @Override
        public String echo(String s) {
            return s;
        }
    }

    @WorkflowInterface
    public interface Parent {
        @WorkflowMethod
        String run();
    }

    @WorkflowInterface
    public interface Child {
        @WorkflowMethod
        String child();
    }

    public static class ChildImpl implements Child {
        @Override
        public String child() {
            return "child";
        }
    }

    public static class ParentImpl implements Parent {
        @Override
        public String run() {
            Workflow.upsertMemo(Map.of("keep", "kept", "drop", "dropped"));
            String a = Workflow.newActivityStub(Echo.class, ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(10)).setSummary("activity summary").build()).echo("a");
            Workflow.newTimer(Duration.ofMillis(10), TimerOptions.newBuilder().setSummary("timer summary").build()).get();
            Map<String, Object> drop = new HashMap<>();
            drop.put("drop", null);
            Workflow.upsertMemo(drop);
            String c = Workflow.newChildWorkflowStub(Child.class, ChildWorkflowOptions.newBuilder()
                    .setWorkflowId(Workflow.getInfo().getWorkflowId() + "-child")
                    .setStaticSummary("child summary").setStaticDetails("child details").build()).child();
            return a + c;
        }
    }

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("user-metadata");
        queue = "user-metadata-" + UUID.randomUUID();
        h.workersOn(queue, new Class<?>[] {ParentImpl.class, ChildImpl.class}, new EchoImpl());
    }

    @AfterAll
    static void stop() {
        if (h != null) {
            h.close(); // and its workers
        }
    }

    private static String text(Payload p) {
        return DefaultDataConverter.STANDARD_INSTANCE.fromPayload(p, String.class, String.class);
    }

    private static HistoryEvent first(List<HistoryEvent> events, EventType type) {
        return events.stream().filter(e -> e.getEventType() == type).findFirst().orElseThrow(() -> new AssertionError(
                "no " + type + " in " + events.stream().map(HistoryEvent::getEventType).toList()));
    }

    @Test
    void summariesLandOnTheirEventsAndANullMemoValueDeletesTheKey() {
        String id = "metadata-" + UUID.randomUUID();
        Parent p = h.client.newWorkflowStub(Parent.class, WorkflowOptions.newBuilder().setTaskQueue(queue)
                .setWorkflowId(id).setStaticSummary("start summary").setStaticDetails("start details")
                .setMemo(Map.of("initial", "memo")).build());
        assertEquals("achild", p.run());

        List<HistoryEvent> events = h.client.fetchHistory(id).getHistory().getEventsList();
        HistoryEvent started = first(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
        assertEquals("start summary", text(started.getUserMetadata().getSummary()));
        assertEquals("start details", text(started.getUserMetadata().getDetails()));
        assertEquals("activity summary",
                text(first(events, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).getUserMetadata().getSummary()));
        assertEquals("timer summary",
                text(first(events, EventType.EVENT_TYPE_TIMER_STARTED).getUserMetadata().getSummary()));
        HistoryEvent initiated = first(events, EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED);
        assertEquals("child summary", text(initiated.getUserMetadata().getSummary()));

        List<HistoryEvent> child = h.client.fetchHistory(id + "-child").getHistory().getEventsList();
        HistoryEvent childStarted = first(child, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
        assertEquals("child summary", text(childStarted.getUserMetadata().getSummary()));
        assertEquals("child details", text(childStarted.getUserMetadata().getDetails()));
        // DescribeWorkflowExecution's execution_config.user_metadata, read by the SDK's describe()
        var described = h.client.newUntypedWorkflowStub(id).describe();
        assertEquals("start summary", described.getStaticSummary());
        assertEquals("start details", described.getStaticDetails());
        var childDescribed = h.client.newUntypedWorkflowStub(id + "-child").describe();
        assertEquals("child summary", childDescribed.getStaticSummary());
        assertEquals("child details", childDescribed.getStaticDetails());

        var memo = h.client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder().setNamespace(h.client.getOptions().getNamespace())
                        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build())
                .getWorkflowExecutionInfo().getMemo().getFieldsMap();
        assertEquals(java.util.Set.of("initial", "keep"), memo.keySet(), "the null value deleted \"drop\"");
        assertEquals("kept", text(memo.get("keep")));
    }
}
