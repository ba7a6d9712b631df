package io.kairos.history.engine.workflow;

import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.RetryPolicies;
import io.kairos.history.engine.Times;
import io.kairos.history.engine.activities.PauseInfoAttribute;
import io.kairos.history.engine.children.ChildWorkflows;
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
        UUID next = nextRun(m, ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY, Math.max(1, exec.getAttempt()) + 1,
                backoff);
        m.continuation().started().setContinuedFailure(failure);
        return next;
    }

    /**
     * For a cron workflow whose run closes (completed, or failed or timed out with no retry left): the next run at
     * the next scheduled time. Returns its run id, or "" when the workflow has no cron schedule.
     */
    static String scheduleNextCronRun(Mutation m, io.temporal.api.common.v1.Payloads lastResult, Failure failure) {
        String cron = m.state().getExecution().getCronSchedule();
        if (cron.isEmpty()) {
            return "";
        }
        Instant at = io.kairos.common.cron.CronSchedule.parse(cron).next(m.now());
        UUID next = nextRun(m, ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE, 1,
                java.time.Duration.between(m.now(), at));
        var started = m.continuation().started();
        if (lastResult != null) {
            started.setLastCompletionResult(lastResult);
        }
        if (failure != null) {
            started.setContinuedFailure(failure);
        }
        return next.toString();
    }

    private static UUID nextRun(Mutation m, ContinueAsNewInitiator initiator, int attempt, java.time.Duration backoff) {
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
                .setInitiator(initiator)
                .setFirstExecutionRunId(exec.getFirstExecutionRunId())
                .setAttempt(attempt)
                .setCronSchedule(exec.getCronSchedule())
                .setFirstWorkflowTaskBackoff(Times.proto(backoff))
                .setMemo(exec.getMemo()).setSearchAttributes(PauseInfoAttribute.inherited(exec.getSearchAttributes()))
                .setRetryPolicy(exec.getRetryPolicy())));
        if (!exec.hasRetryPolicy()) {
            m.continuation().started().clearRetryPolicy();
        }
        if (exec.hasPriority()) {
            m.continuation().started().setPriority(exec.getPriority());
        }
        ChildWorkflows.inheritParent(m, m.continuation().started());
        return next;
    }
}
