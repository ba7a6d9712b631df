package io.kairos.history.engine.workflow;

import io.kairos.history.engine.RetryPolicies;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.proto.persistence.v1.TimerInfo;
import io.kairos.proto.persistence.v1.UserTimer;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.TimerFiredEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionTimedOutEventAttributes;

/** Timer-queue outcomes that are not about tasks: user timers firing and the workflow run timeout. */
public final class Timers {
    private final WorkflowUpdater updater;

    public Timers(WorkflowUpdater updater) {
        this.updater = updater;
    }

    public void userTimerFired(WorkflowKey key, UserTimer t) {
        updater.update(key, m -> {
            TimerInfo timer = m.isRunning() ? m.state().getTimersOrDefault(t.getTimerId(), null) : null;
            if (timer == null || timer.getStartedEventId() != t.getStartedEventId()) {
                return null; // canceled, or a later timer with the same id
            }
            m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_TIMER_FIRED)
                    .setTimerFiredEventAttributes(TimerFiredEventAttributes.newBuilder()
                            .setTimerId(t.getTimerId()).setStartedEventId(t.getStartedEventId())));
            m.scheduleWorkflowTask(1);
            return null;
        });
    }

    /** The run timeout ends the run even while a workflow task is running. */
    public void runTimedOut(WorkflowKey key) {
        updater.update(key, m -> {
            if (!m.isRunning()) {
                return null;
            }
            m.state().clearBufferedEvents();
            var failure = io.temporal.api.failure.v1.Failure.newBuilder().setMessage("workflow run timeout").setSource("Server")
                    .setTimeoutFailureInfo(io.temporal.api.failure.v1.TimeoutFailureInfo.newBuilder()
                            .setTimeoutType(io.temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE)).build();
            RetryPolicies.Decision d = WorkflowRetries.decide(m, failure);
            WorkflowExecutionTimedOutEventAttributes.Builder attrs = WorkflowExecutionTimedOutEventAttributes.newBuilder()
                    .setRetryState(d.stopState());
            attrs.setNewExecutionRunId(d.retry() ? WorkflowRetries.scheduleNextAttempt(m, failure, d.backoff()).toString()
                    : WorkflowRetries.scheduleNextCronRun(m, null, failure));
            m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT)
                    .setWorkflowExecutionTimedOutEventAttributes(attrs));
            return null;
        });
    }

    /** A retried run's backoff is over: its first workflow task goes out. */
    public void backoffFired(WorkflowKey key) {
        updater.update(key, m -> {
            m.scheduleWorkflowTaskNow(1);
            return null;
        });
    }
}
