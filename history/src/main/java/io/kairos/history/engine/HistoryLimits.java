package io.kairos.history.engine;

import io.kairos.history.engine.workflow.ExternalRequests;
import io.kairos.proto.persistence.v1.WorkflowMutableStateOrBuilder;

/**
 * Temporal's history limits: continue-as-new is suggested at 4,096 events or 4 MiB; a run whose history passes
 * 51,200 events or 50 MiB is terminated when its workflow task completes.
 */
public final class HistoryLimits {
    static final long SUGGEST_COUNT = 4096;
    static final long SUGGEST_BYTES = 4L * 1024 * 1024;
    static final long ERROR_COUNT = 51_200;
    static final long ERROR_BYTES = 50L * 1024 * 1024;

    private HistoryLimits() {
    }

    public static boolean suggestContinueAsNew(WorkflowMutableStateOrBuilder s) {
        return s.getNextEventId() - 1 >= SUGGEST_COUNT || s.getExecution().getHistorySizeBytes() >= SUGGEST_BYTES;
    }

    public static void terminateIfExceeded(Mutation m) {
        var s = m.state();
        if (!m.isRunning()) {
            return;
        }
        boolean count = s.getNextEventId() - 1 > ERROR_COUNT;
        boolean size = s.getExecution().getHistorySizeBytes() > ERROR_BYTES;
        if (count || size) {
            ExternalRequests.terminate(m, count ? "Workflow history count exceeds limit." : "Workflow history size exceeds limit.",
                    "history-service", io.temporal.api.common.v1.Payloads.getDefaultInstance());
        }
    }
}
