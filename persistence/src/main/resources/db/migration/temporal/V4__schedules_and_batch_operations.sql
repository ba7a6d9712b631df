-- The worker service's state: schedules and batch operations. Each row belongs to one of 64 buckets; a worker
-- process runs the buckets whose lease it holds (system_job_leases, job 'worker-bucket-<n>').

-- One row per schedule. data holds kairos.persistence.v1.ScheduleRecord. version is the compare-and-swap guard of
-- every write. next_wakeup is when the scheduler must look at the schedule again (NULL: not until something changes);
-- watching means started workflows must be watched until they close (a start is buffered behind them).
-- generation is new for every CreateSchedule: the run id of the schedule's visibility row and the seed of its
-- request ids, so a schedule deleted and created again never reuses either.
CREATE TABLE schedules (
    namespace_id      UUID        NOT NULL,
    schedule_id       TEXT        NOT NULL,
    generation        UUID        NOT NULL,
    bucket            INTEGER     NOT NULL,
    version           BIGINT      NOT NULL,
    create_request_id TEXT        NOT NULL,
    next_wakeup       TIMESTAMPTZ,
    watching          BOOLEAN     NOT NULL DEFAULT FALSE,
    data              BYTEA       NOT NULL,
    PRIMARY KEY (namespace_id, schedule_id)
);
CREATE INDEX schedules_due ON schedules (bucket, next_wakeup) WHERE next_wakeup IS NOT NULL;
CREATE INDEX schedules_watching ON schedules (bucket) WHERE watching;

-- One row per batch operation (job). state: 1 running, 2 completed, 3 failed (BatchOperationState numbers).
-- data holds kairos.persistence.v1.BatchOperationRecord.
CREATE TABLE batch_operations (
    namespace_id UUID        NOT NULL,
    job_id       TEXT        NOT NULL,
    bucket       INTEGER     NOT NULL,
    version      BIGINT      NOT NULL,
    state        SMALLINT    NOT NULL,
    start_time   TIMESTAMPTZ NOT NULL,
    close_time   TIMESTAMPTZ,
    data         BYTEA       NOT NULL,
    PRIMARY KEY (namespace_id, job_id)
);
CREATE INDEX batch_operations_running ON batch_operations (bucket) WHERE state = 1;
CREATE INDEX batch_operations_list ON batch_operations (namespace_id, start_time DESC, job_id);
