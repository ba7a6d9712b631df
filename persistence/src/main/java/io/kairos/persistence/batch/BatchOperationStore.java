package io.kairos.persistence.batch;

import io.kairos.common.ids.NamespaceId;
import io.kairos.proto.persistence.v1.BatchOperationRecord;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * {@code batch_operations}: one row per batch job. Writes are a compare-and-swap on {@code version}: the runner's
 * progress and a StopBatchOperation never overwrite each other.
 */
public interface BatchOperationStore {
    /** BatchOperationState numbers. */
    int RUNNING = 1;
    int COMPLETED = 2;
    int FAILED = 3;

    record BatchRow(NamespaceId namespaceId, String jobId, int bucket, long version, int state, Instant startTime,
                    Instant closeTime, BatchOperationRecord record) {
        public BatchRow with(int newState, Instant close, BatchOperationRecord r) {
            return new BatchRow(namespaceId, jobId, bucket, version, newState, startTime, close, r);
        }
    }

    record JobKey(NamespaceId namespaceId, String jobId) {
    }

    Optional<BatchRow> get(NamespaceId ns, String jobId);

    /** @throws io.kairos.persistence.sql.DuplicateKeyException when the job id is taken in the namespace */
    void create(BatchRow row);

    /** Writes the row as version {@code row.version() + 1} if it is still at {@code row.version()}. */
    boolean update(BatchRow row);

    long countRunning(NamespaceId ns);

    /** Running jobs of these buckets. */
    List<JobKey> running(Collection<Integer> buckets);

    /**
     * One page, newest first (Temporal lists batch jobs in visibility order: running first). The token is the last
     * row's (start_time, job_id).
     */
    Page list(NamespaceId ns, int pageSize, byte[] token);

    record Page(List<BatchRow> rows, byte[] nextToken) {
    }
}
