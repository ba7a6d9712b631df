package io.kairos.worker.batch;

import com.google.protobuf.ByteString;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.errors.ResourceExhaustedException;
import io.kairos.common.errors.WorkflowAlreadyStartedException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkerBucket;
import io.kairos.persistence.batch.BatchOperationStore;
import io.kairos.persistence.batch.BatchOperationStore.BatchRow;
import io.kairos.persistence.sql.DuplicateKeyException;
import io.kairos.proto.persistence.v1.BatchOperationRecord;
import io.kairos.proto.worker.v1.NamespaceRef;
import io.temporal.api.batch.v1.BatchOperationInfo;
import io.temporal.api.common.v1.Execution;
import io.temporal.api.enums.v1.BatchOperationState;
import io.temporal.api.enums.v1.BatchOperationType;
import io.temporal.api.enums.v1.ExecutionType;
import io.temporal.api.enums.v1.ResourceExhaustedCause;
import io.temporal.api.workflowservice.v1.*;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Temporal's batch-operation RPCs: a job is a row of batch_operations, run by {@link BatchRunner} on the worker holding
 * its bucket. As in Temporal, a namespace runs at most {@code maxConcurrent} jobs at a time, a job id is never reused,
 * and a stopped job counts as FAILED.
 */
public final class BatchOperations {
    /** Temporal's frontend.MaxConcurrentBatchOperationPerNamespace default. */
    public static final int DEFAULT_MAX_CONCURRENT = 1;
    static final int MAX_PAGE_SIZE = 1000;

    private final BatchOperationStore store;
    private final BatchTargets targets;
    private final BatchRunner runner;
    private final Clock clock;
    private final int maxConcurrent;

    BatchOperations(BatchOperationStore store, BatchTargets targets, BatchRunner runner, Clock clock, int maxConcurrent) {
        this.store = store;
        this.targets = targets;
        this.runner = runner;
        this.clock = clock;
        this.maxConcurrent = maxConcurrent;
    }

    public StartBatchOperationResponse start(NamespaceRef nsRef, StartBatchOperationRequest req) {
        NamespaceId ns = NamespaceId.parse(nsRef.getId());
        BatchOperationType type = BatchRequests.validate(req);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        String query = BatchRequests.effectiveQuery(req, type);
        long estimate = req.getVisibilityQuery().isEmpty()
                ? BatchRequests.executions(req).size()
                : targets.count(ns, query, now); // also proves the query compiles
        var existing = store.get(ns, req.getJobId());
        if (existing.isPresent()) {
            throw alreadyExists(existing.get());
        }
        if (store.countRunning(ns) >= maxConcurrent) {
            throw new ResourceExhaustedException(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT,
                    "Max concurrent batch operations is reached");
        }
        BatchOperationRecord record = BatchOperationRecord.newBuilder()
                .setNamespace(nsRef.getName()).setRequest(req).setOperationType(type)
                .setEffectiveQuery(query).setTotalEstimate(estimate).build();
        BatchRow row = new BatchRow(ns, req.getJobId(), WorkerBucket.of(ns.toString(), req.getJobId()), 1,
                BatchOperationStore.RUNNING, now, null, record);
        try {
            store.create(row);
        } catch (DuplicateKeyException raced) {
            throw alreadyExists(store.get(ns, req.getJobId()).orElseThrow(() -> raced));
        }
        runner.wake(ns, req.getJobId());
        return StartBatchOperationResponse.getDefaultInstance();
    }

    private static WorkflowAlreadyStartedException alreadyExists(BatchRow row) {
        String message = row.state() == BatchOperationStore.RUNNING
                ? "Workflow execution is already running. WorkflowId: " + row.jobId() + "."
                : "Workflow execution already finished. WorkflowId: " + row.jobId() + ". A batch operation's job id "
                + "cannot be reused.";
        return new WorkflowAlreadyStartedException(message, "", "");
    }

    public StopBatchOperationResponse stop(NamespaceRef nsRef, StopBatchOperationRequest req) {
        NamespaceId ns = NamespaceId.parse(nsRef.getId());
        if (req.getJobId().isEmpty()) {
            throw new InvalidArgumentException("JobId is not set on request.");
        }
        if (req.getReason().isEmpty()) {
            throw new InvalidArgumentException("Reason is not set on request.");
        }
        for (int attempt = 0; attempt < 10; attempt++) {
            BatchRow row = get(ns, req.getJobId());
            if (row.state() != BatchOperationStore.RUNNING) {
                // As terminating a closed workflow in Temporal.
                throw new NotFoundException("batch operation already completed");
            }
            BatchOperationRecord r = row.record().toBuilder().setStopReason(req.getReason())
                    .setStopIdentity(req.getIdentity()).build();
            if (store.update(row.with(BatchOperationStore.FAILED, clock.instant().truncatedTo(ChronoUnit.MICROS), r))) {
                runner.stopped(ns, req.getJobId());
                return StopBatchOperationResponse.getDefaultInstance();
            }
        }
        throw new io.kairos.common.errors.UnavailableException("batch operation kept changing; retry", null);
    }

    public DescribeBatchOperationResponse describe(NamespaceRef nsRef, DescribeBatchOperationRequest req) {
        NamespaceId ns = NamespaceId.parse(nsRef.getId());
        if (req.getJobId().isEmpty()) {
            throw new InvalidArgumentException("JobId is not set on request.");
        }
        BatchRow row = get(ns, req.getJobId());
        BatchOperationRecord r = row.record();
        StartBatchOperationRequest start = r.getRequest();
        DescribeBatchOperationResponse.Builder b = DescribeBatchOperationResponse.newBuilder()
                .setOperationType(r.getOperationType())
                .setJobId(row.jobId())
                .setState(state(row.state()))
                .setStartTime(ts(row.startTime()))
                .setIdentity(BatchRequests.identity(start))
                .setReason(start.getReason())
                .setQuery(start.getVisibilityQuery())
                .setCompleteOperationCount(r.getSuccessCount())
                .setFailureOperationCount(r.getFailureCount());
        for (var e : BatchRequests.executions(start)) {
            b.addExecutions(Execution.newBuilder().setType(ExecutionType.EXECUTION_TYPE_WORKFLOW)
                    .setBusinessId(e.getWorkflowId()).setRunId(e.getRunId()));
        }
        if (row.closeTime() != null) {
            b.setCloseTime(ts(row.closeTime()));
        }
        // Temporal reports the estimate while running and what was done once completed.
        b.setTotalOperationCount(row.state() == BatchOperationStore.COMPLETED
                ? r.getSuccessCount() + r.getFailureCount() : r.getTotalEstimate());
        return b.build();
    }

    public ListBatchOperationsResponse list(NamespaceRef nsRef, ListBatchOperationsRequest req) {
        NamespaceId ns = NamespaceId.parse(nsRef.getId());
        int size = req.getPageSize() <= 0 || req.getPageSize() > MAX_PAGE_SIZE ? MAX_PAGE_SIZE : req.getPageSize();
        BatchOperationStore.Page page = store.list(ns, size, req.getNextPageToken().toByteArray());
        ListBatchOperationsResponse.Builder b = ListBatchOperationsResponse.newBuilder()
                .setNextPageToken(ByteString.copyFrom(page.nextToken()));
        for (BatchRow row : page.rows()) {
            BatchOperationInfo.Builder info = BatchOperationInfo.newBuilder().setJobId(row.jobId())
                    .setState(state(row.state())).setStartTime(ts(row.startTime()))
                    .setOperationType(row.record().getOperationType());
            if (row.closeTime() != null) {
                info.setCloseTime(ts(row.closeTime()));
            }
            b.addOperationInfo(info);
        }
        return b.build();
    }

    private BatchRow get(NamespaceId ns, String jobId) {
        return store.get(ns, jobId).orElseThrow(() -> new NotFoundException("batch operation not found: " + jobId));
    }

    static BatchOperationState state(int s) {
        return switch (s) {
            case BatchOperationStore.RUNNING -> BatchOperationState.BATCH_OPERATION_STATE_RUNNING;
            case BatchOperationStore.COMPLETED -> BatchOperationState.BATCH_OPERATION_STATE_COMPLETED;
            default -> BatchOperationState.BATCH_OPERATION_STATE_FAILED;
        };
    }

    private static com.google.protobuf.Timestamp ts(Instant i) {
        return com.google.protobuf.Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}
