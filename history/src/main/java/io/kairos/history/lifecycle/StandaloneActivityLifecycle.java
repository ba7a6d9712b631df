package io.kairos.history.lifecycle;

import io.temporal.api.enums.v1.ActivityExecutionStatus;

/**
 * A standalone activity's execution: RUNNING -> one closed status, final (Temporal's activity archetype; Kairos has
 * no PAUSED standalone activity). Its attempts follow {@link ActivityLifecycle}, as a workflow's activity's do.
 */
public final class StandaloneActivityLifecycle {
    public static final TransitionTable<ActivityExecutionStatus> TABLE =
            TransitionTable.of("standalone activity", ActivityExecutionStatus.class)
                    .allow(ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_RUNNING,
                            ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_COMPLETED,
                            ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_FAILED,
                            ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_CANCELED,
                            ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_TERMINATED,
                            ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_TIMED_OUT)
                    .build();

    private StandaloneActivityLifecycle() {
    }
}
