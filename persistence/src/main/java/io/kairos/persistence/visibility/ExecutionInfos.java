package io.kairos.persistence.visibility;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.temporal.api.common.v1.Memo;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;

import java.time.Instant;

/** A visibility record as the API shows it: what List*WorkflowExecutions return and what archival keeps. */
public final class ExecutionInfos {
    private ExecutionInfos() {
    }

    public static WorkflowExecutionInfo of(VisibilityRecord r, SearchAttributeCatalog catalog) {
        var b = WorkflowExecutionInfo.newBuilder()
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(r.workflowId()).setRunId(r.runId().toString()))
                .setType(WorkflowType.newBuilder().setName(r.workflowType()))
                .setStartTime(ts(r.startTime()))
                .setExecutionTime(ts(r.executionTime()))
                .setStatusValue(r.status())
                .setTaskQueue(r.taskQueue())
                .setHistoryLength(r.historyLength() == null ? 0 : r.historyLength())
                .setHistorySizeBytes(r.historySizeBytes() == null ? 0 : r.historySizeBytes())
                .setStateTransitionCount(r.stateTransitionCount() == null ? 0 : r.stateTransitionCount())
                .setSearchAttributes(SearchAttributeValues.fromJson(r.searchAttributes(), catalog));
        if (r.closeTime() != null) {
            b.setCloseTime(ts(r.closeTime()));
        }
        if (r.executionDuration() != null) {
            long d = r.executionDuration();
            b.setExecutionDuration(com.google.protobuf.Duration.newBuilder().setSeconds(d / 1_000_000_000L)
                    .setNanos((int) (d % 1_000_000_000L)));
        }
        if (r.parentWorkflowId() != null) {
            b.setParentExecution(WorkflowExecution.newBuilder().setWorkflowId(r.parentWorkflowId())
                    .setRunId(r.parentRunId() == null ? "" : r.parentRunId().toString()));
        }
        if (r.rootWorkflowId() != null) {
            b.setRootExecution(WorkflowExecution.newBuilder().setWorkflowId(r.rootWorkflowId())
                    .setRunId(r.rootRunId() == null ? "" : r.rootRunId().toString()));
        }
        if (r.memo() != null) {
            try {
                b.setMemo(Memo.parseFrom(r.memo()));
            } catch (InvalidProtocolBufferException e) {
                // an unreadable memo is left out rather than failing the whole page
            }
        }
        return b.build();
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

}
