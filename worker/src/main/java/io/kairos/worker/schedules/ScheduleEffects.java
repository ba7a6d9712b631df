package io.kairos.worker.schedules;

import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;

import java.time.Instant;

/** What a schedule does to the world: start, watch, cancel and terminate workflows (through history). */
interface ScheduleEffects {
    sealed interface StartOutcome permits Started, Retry, Rejected {
    }

    /** The workflow runs (or ran: a retried start is deduplicated by its request id). */
    record Started(String runId, Instant realStartTime) implements StartOutcome {
    }

    /** History could not be reached or was overloaded: try the same start again later. */
    record Retry(String message) implements StartOutcome {
    }

    /** History refused the start for good (the id is taken, the namespace is gone, bad search attributes). */
    record Rejected(String message) implements StartOutcome {
        /** The workflow id is taken: the message leads with the gRPC code (the user's doing, not a scheduler error). */
        boolean alreadyStarted() {
            return message.startsWith("ALREADY_EXISTS");
        }
    }

    /**
     * Where a workflow the schedule started is now: RUNNING, or its chain's final close (a workflow that continued as
     * new or was retried is followed to its last run). UNSPECIFIED when it no longer exists.
     */
    record Outcome(WorkflowExecutionStatus status, Payloads result, Failure failure, Instant closeTime) {
        static final Outcome RUNNING = new Outcome(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, null, null, null);

        boolean running() {
            return status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
        }
    }

    StartOutcome start(StartWorkflowExecutionRequest request);

    /** The current outcome; RUNNING when it cannot be told (history unreachable), so nothing is assumed closed. */
    Outcome check(WorkflowExecution execution);

    /** Best effort: a failure is retried the next time the overlap policy asks. False when history refused it. */
    boolean cancel(WorkflowExecution execution, String requestId, String identity);

    /** Best effort, as cancel. */
    boolean terminate(WorkflowExecution execution, String identity);

    /**
     * Waits up to {@code wait} for the workflow (its chain) to close: its outcome once closed, RUNNING when the wait ran
     * out. Throws when history cannot be asked.
     */
    Outcome awaitClose(WorkflowExecution execution, java.time.Duration wait);

    /** The effects of one namespace's schedules. */
    @FunctionalInterface
    interface Factory {
        ScheduleEffects forNamespace(io.kairos.common.ids.NamespaceId namespaceId, String namespace);
    }
}
