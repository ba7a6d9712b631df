package io.kairos.history.engine;

import io.temporal.api.enums.v1.ContinueAsNewInitiator;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.WorkflowExecutionStartedEventAttributes;

import java.time.Instant;
import java.util.UUID;

/**
 * Workflow retry policies: a run that fails or times out, and whose start asked for retries, closes with
 * retry state IN_PROGRESS and a new run (attempt + 1, initiator RETRY) starts after the backoff, in the same
 * transaction.
 */
final class WorkflowRetries {
    private WorkflowRetries() {
    }

    /** The retry decision for the run in {@code m}; RETRY_POLICY_NOT_SET when it has none. */
    static RetryPolicies.Decision decide(Mutation m, Failure failure) {
        var exec = m.state().getExecution();
        if (!exec.hasRetryPolicy()) {
            return new RetryPolicies.Decision(null, RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET);
        }
        Instant deadline = Times.isZero(exec.getExecutionTimeout()) ? null
                : Times.instant(exec.getStartTime()).plus(Times.duration(exec.getExecutionTimeout()));
        return RetryPolicies.next(RetryPolicies.withDefaults(exec.getRetryPolicy()), Math.max(1, exec.getAttempt()),
                failure, m.now(), deadline);
    }

    /** Arranges the next attempt as this run's continuation and returns its run id. */
    static UUID scheduleNextAttempt(Mutation m, Failure failure, java.time.Duration backoff) {
        var exec = m.state().getExecution();
        var original = m.startedEvent().getWorkflowExecutionStartedEventAttributes();
        UUID next = UUID.randomUUID();
        m.continueAs(new Mutation.Continuation(next, WorkflowExecutionStartedEventAttributes.newBuilder()
                .setWorkflowType(original.getWorkflowType()).setTaskQueue(original.getTaskQueue())
                .setInput(original.getInput()).setHeader(original.getHeader())
                .setWorkflowExecutionTimeout(original.getWorkflowExecutionTimeout())
                .setWorkflowRunTimeout(original.getWorkflowRunTimeout())
                .setWorkflowTaskTimeout(original.getWorkflowTaskTimeout())
                .setContinuedExecutionRunId(exec.getRunId())
                .setInitiator(ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY)
                .setContinuedFailure(failure)
                .setFirstExecutionRunId(exec.getFirstExecutionRunId())
                .setAttempt(Math.max(1, exec.getAttempt()) + 1)
                .setFirstWorkflowTaskBackoff(Times.proto(backoff))
                .setMemo(exec.getMemo()).setSearchAttributes(exec.getSearchAttributes())
                .setRetryPolicy(exec.getRetryPolicy())));
        // retry_policy stays set on the next run: it is what made this one retry
        return next;
    }
}
