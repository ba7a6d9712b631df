-- UpdateTaskQueueConfig: one temporal.api.taskqueue.v1.TaskQueueConfig per task queue and task type, as Temporal
-- keys it in the queue's user data (task_type 0, UNSPECIFIED, is stored too: Temporal accepts it, nothing reads it).
-- Kept apart from task_queues, whose rows come and go with leases and the sticky-queue scavenger: a configuration
-- outlives both. Updates by a queue's owner hold task_queues' row FOR SHARE, so a new owner's acquire (which reads
-- the configuration after it) cannot miss one.
CREATE TABLE task_queue_configs (
    namespace_id    UUID        NOT NULL,
    task_queue_name TEXT        NOT NULL,
    task_type       SMALLINT    NOT NULL,
    data            BYTEA       NOT NULL,
    data_encoding   TEXT        NOT NULL DEFAULT 'proto3',
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace_id, task_queue_name, task_type)
);
