package io.kairos.e2e.engine;

import io.grpc.StatusRuntimeException;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowServiceException;
import io.temporal.client.WorkflowStub;
import io.temporal.common.Priority;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.SignalMethod;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Task priority (priority key, fairness key and weight): the start's is the workflow's; an activity or child without
 * its own gets the workflow's, one with its own gets it merged field by field over the workflow's; continue-as-new
 * keeps it; a negative priority key is rejected.
 */
class PriorityTest {
    private static WorkerHarness h;
    private static String queue;

    static String describe(Priority p) {
        return p.getPriorityKey() + ":" + (p.getFairnessKey() == null ? "null" : p.getFairnessKey()) + ":" + p.getFairnessWeight();
    }

    @ActivityInterface
    public interface PriorityActivity {
        String priority();
    }

    public static class PriorityActivityImpl implements PriorityActivity {
        @Override
        public String priority() {
            return describe(Activity.getExecutionContext().getInfo().getPriority());
        }
    }

    @WorkflowInterface
    public interface Child {
        @WorkflowMethod
        String run();
    }

    public static class ChildImpl implements Child {
        @Override
        public String run() {
            return describe(Workflow.getInfo().getPriority());
        }
    }

    @WorkflowInterface
    public interface Parent {
        @WorkflowMethod
        List<String> run(boolean continued);
    }

    public static class ParentImpl implements Parent {
        @Override
        public List<String> run(boolean continued) {
            if (!continued) {
                Workflow.continueAsNew(true);
            }
            ActivityOptions base = ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(10))
                    .setDisableEagerExecution(true).build();
            String own = Workflow.newActivityStub(PriorityActivity.class, base.toBuilder()
                    .setPriority(Priority.newBuilder().setPriorityKey(3).setFairnessKey("override").build()).build()).priority();
            String inherited = Workflow.newActivityStub(PriorityActivity.class, base).priority();
            String ownChild = Workflow.newChildWorkflowStub(Child.class, ChildWorkflowOptions.newBuilder()
                    .setPriority(Priority.newBuilder().setPriorityKey(1).setFairnessKey("child").setFairnessWeight(0.5f).build())
                    .build()).run();
            String inheritedChild = Workflow.newChildWorkflowStub(Child.class).run();
            return List.of(describe(Workflow.getInfo().getPriority()), own, inherited, ownChild, inheritedChild);
        }
    }

    @WorkflowInterface
    public interface Signaled {
        @WorkflowMethod
        String run();

        @SignalMethod
        void go();
    }

    public static class SignaledImpl implements Signaled {
        private boolean go;

        @Override
        public String run() {
            Workflow.await(() -> go);
            return describe(Workflow.getInfo().getPriority());
        }

        @Override
        public void go() {
            go = true;
        }
    }

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("priority");
        queue = "priority-" + UUID.randomUUID();
        h.workersOn(queue, new Class<?>[] {ParentImpl.class, ChildImpl.class, SignaledImpl.class}, new PriorityActivityImpl());
    }

    @AfterAll
    static void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void activitiesAndChildrenInheritOrMergeTheWorkflowsPriority() {
        String id = "priority-" + UUID.randomUUID();
        Parent wf = h.client.newWorkflowStub(Parent.class, WorkflowOptions.newBuilder().setTaskQueue(queue).setWorkflowId(id)
                .setPriority(Priority.newBuilder().setPriorityKey(5).setFairnessKey("tenant-123").setFairnessWeight(2.5f).build())
                .build());
        List<String> got = wf.run(false);
        assertEquals(List.of("5:tenant-123:2.5", "3:override:2.5", "5:tenant-123:2.5", "1:child:0.5", "5:tenant-123:2.5"), got);

        WorkflowExecution run = WorkflowStub.fromTyped(wf).getExecution();
        var info = h.service.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace("default").setExecution(run).build()).getWorkflowExecutionInfo();
        assertEquals(5, info.getPriority().getPriorityKey());
        // The scheduled event keeps the command's own priority; the merge happens when the task is handed out.
        HistoryEvent scheduled = h.client.fetchHistory(id).getEvents().stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).findFirst().orElseThrow();
        assertEquals("override", scheduled.getActivityTaskScheduledEventAttributes().getPriority().getFairnessKey());
        assertEquals(0f, scheduled.getActivityTaskScheduledEventAttributes().getPriority().getFairnessWeight());
    }

    @Test
    void signalWithStartCarriesThePriority() {
        WorkflowStub stub = h.client.newUntypedWorkflowStub("Signaled", WorkflowOptions.newBuilder().setTaskQueue(queue)
                .setWorkflowId("priority-sws-" + UUID.randomUUID())
                .setPriority(Priority.newBuilder().setPriorityKey(2).build()).build());
        stub.signalWithStart("go", new Object[] {}, new Object[] {});
        assertEquals("2:null:0.0", stub.getResult(String.class));
    }

    @Test
    void aNegativePriorityKeyIsRejected() {
        Signaled wf = h.client.newWorkflowStub(Signaled.class, WorkflowOptions.newBuilder().setTaskQueue(queue)
                .setWorkflowId("priority-bad-" + UUID.randomUUID())
                .setPriority(Priority.newBuilder().setPriorityKey(-1).build()).build());
        WorkflowServiceException e = assertThrows(WorkflowServiceException.class,
                () -> io.temporal.client.WorkflowClient.start(wf::run));
        StatusRuntimeException status = (StatusRuntimeException) e.getCause();
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, status.getStatus().getCode());
        assertTrue(status.getMessage().contains("priority key can't be negative"), status.getMessage());
    }
}
