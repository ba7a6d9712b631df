package io.kairos.frontend.workflow;

import com.google.protobuf.Duration;
import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.activity.v1.ActivityOptions;
import io.temporal.api.common.v1.Priority;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.PauseActivityRequest;
import io.temporal.api.workflowservice.v1.ResetActivityRequest;
import io.temporal.api.workflowservice.v1.UnpauseActivityRequest;
import io.temporal.api.workflowservice.v1.UpdateActivityOptionsRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The frontend's checks of the activity operations, with Temporal's messages. They come before the namespace is
 * resolved (the handler here has no resolver and no history: reaching either would fail differently).
 */
class ActivityOperationsHandlerTest {
    private final ActivityOperationsHandler handler = new ActivityOperationsHandler(null, null);
    private static final WorkflowExecution WF = WorkflowExecution.newBuilder().setWorkflowId("wf").build();

    private static String invalid(Executable call) {
        return assertThrows(InvalidArgumentException.class, call).getMessage();
    }

    @Test
    void aWorkflowIdAndAnActivitySelectionAreRequired() {
        assertEquals("WorkflowId is not set on request.", invalid(() -> handler.pause(
                PauseActivityRequest.newBuilder().setNamespace("default").setId("a1").build())));
        assertEquals("Either Activity.Id or Activity.Type should be set on request.", invalid(() -> handler.pause(
                PauseActivityRequest.newBuilder().setNamespace("default").setExecution(WF).build())));
        assertEquals("Either Activity.Id or Activity.Type should be set on request.", invalid(() -> handler.unpause(
                UnpauseActivityRequest.newBuilder().setNamespace("default").setExecution(WF).build())));
        assertEquals("Either Activity.Id or Activity.Type should be set on request.", invalid(() -> handler.reset(
                ResetActivityRequest.newBuilder().setNamespace("default").setExecution(WF).build())));
        assertEquals("WorkflowId is not set on request.", invalid(() -> handler.updateOptions(
                UpdateActivityOptionsRequest.newBuilder().setNamespace("default").setMatchAll(true).build())));
        assertEquals("Either Activity.Id or Activity.Type should be set on request.", invalid(() -> handler.updateOptions(
                UpdateActivityOptionsRequest.newBuilder().setNamespace("default").setExecution(WF).build())));
    }

    @Test
    void aSelectionIsAnySetOneofCaseEvenAnEmptyOne() {
        // Temporal checks the oneof is set, not its value: an empty id goes on (and history finds no such activity).
        ActivityOperationsHandler.requireTarget("wf", PauseActivityRequest.newBuilder().setId("").build().getActivityCase()
                != PauseActivityRequest.ActivityCase.ACTIVITY_NOT_SET);
        ActivityOperationsHandler.requireTarget("wf", UnpauseActivityRequest.newBuilder().setUnpauseAll(false).build()
                .getActivityCase() != UnpauseActivityRequest.ActivityCase.ACTIVITY_NOT_SET);
    }

    @Test
    void negativeJittersAndInvalidPrioritiesAreRefused() {
        assertEquals("invalid jitter: negative duration", invalid(() -> handler.unpause(UnpauseActivityRequest.newBuilder()
                .setNamespace("default").setExecution(WF).setId("a1").setJitter(Duration.newBuilder().setSeconds(-1)).build())));
        assertEquals("invalid jitter: negative duration", invalid(() -> handler.reset(ResetActivityRequest.newBuilder()
                .setNamespace("default").setExecution(WF).setId("a1").setJitter(Duration.newBuilder().setNanos(-5)).build())));
        assertEquals("priority key can't be negative", invalid(() -> handler.updateOptions(UpdateActivityOptionsRequest.newBuilder()
                .setNamespace("default").setExecution(WF).setId("a1")
                .setActivityOptions(ActivityOptions.newBuilder().setPriority(Priority.newBuilder().setPriorityKey(-1))).build())));
        assertEquals("fairness key length exceeds limit", invalid(() -> io.kairos.common.validation.Priorities.requireValid(
                Priority.newBuilder().setFairnessKey("k".repeat(65)).build())));
        assertEquals("must be greater than zero", invalid(() -> io.kairos.common.validation.Priorities.requireValid(
                Priority.newBuilder().setFairnessWeight(-0.5f).build())));
        io.kairos.common.validation.Priorities.requireValid(Priority.newBuilder().setPriorityKey(3).setFairnessKey("k").build());
        ActivityOperationsHandler.requireJitter(Duration.newBuilder().setSeconds(2).build());
    }
}
