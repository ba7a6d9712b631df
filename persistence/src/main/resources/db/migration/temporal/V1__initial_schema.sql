-- Kairos engine schema (database `temporal`), PostgreSQL 14+.
--
-- Conventions:
--   * Protobuf blobs are `data BYTEA` + `data_encoding TEXT` so the encoding can change without a migration.
--   * Every engine table except the cluster/namespace/matching ones starts its key with shard_id, so one
--     workflow mutation (fence check, mutable state, maps, history, tasks) touches a single shard's rows
--     and runs as ONE transaction.
--   * No foreign keys: they would add a lookup + row lock to every insert on the hot path. Rows scoped to a
--     run are deleted explicitly, in the same transaction, by their common key prefix
--     (shard_id, namespace_id, workflow_id, run_id), which is the leading part of every such primary key.
--   * Ids: workflow_id / task queue names sit in B-tree keys, whose entries are limited to ~2.7 kB; the
--     API must cap them in UTF-8 BYTES (Temporal's 1000 is a byte count), not in Java chars.
--   * TIMESTAMPTZ keeps microseconds: Java must truncate Instants to micros before using one as a key
--     (timer_tasks), or a later delete by exact key will miss the row.
--   * fillfactor < 100 on rows rewritten on every mutation leaves room for HOT updates (only the primary
--     key is indexed there, so updates never need index maintenance).

-- ---------------------------------------------------------------------------------------------------------
-- Namespaces
-- ---------------------------------------------------------------------------------------------------------

CREATE TABLE namespaces (
    id                   UUID        PRIMARY KEY,
    name                 TEXT        NOT NULL UNIQUE,
    state                SMALLINT    NOT NULL,                 -- temporal.api.enums.v1.NamespaceState number
    is_global            BOOLEAN     NOT NULL DEFAULT FALSE,
    data                 BYTEA       NOT NULL,
    data_encoding        TEXT        NOT NULL DEFAULT 'proto3',
    -- value of namespace_metadata.notification_version when this row last changed, so caches can
    -- refresh only what changed since the version they hold
    notification_version BIGINT      NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Single row: a cluster-wide counter bumped (UPDATE ... RETURNING) in the same transaction as every
-- namespace change; the row lock also serialises concurrent namespace writers.
CREATE TABLE namespace_metadata (
    partition_id         INT    PRIMARY KEY CHECK (partition_id = 0),
    notification_version BIGINT NOT NULL
);

INSERT INTO namespace_metadata (partition_id, notification_version) VALUES (0, 1);

-- ---------------------------------------------------------------------------------------------------------
-- Cluster
-- ---------------------------------------------------------------------------------------------------------

CREATE TABLE cluster_metadata (
    cluster_name        TEXT        PRIMARY KEY,
    cluster_id          UUID        NOT NULL,
    history_shard_count INT         NOT NULL CHECK (history_shard_count > 0),
    data                BYTEA,
    data_encoding       TEXT        NOT NULL DEFAULT 'proto3',
    version             BIGINT      NOT NULL DEFAULT 1,        -- optimistic-concurrency counter for data
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Every workflow's shard is hash % history_shard_count: changing the count would silently move workflows
-- to shards that hold none of their rows. Enforced in the database so no code path or operator can do it.
-- Raises SQLSTATE 23514 (check_violation) with constraint name
-- 'cluster_metadata_history_shard_count_immutable' (PSQLException.getServerErrorMessage().getConstraint()).
CREATE FUNCTION cluster_metadata_reject_shard_count_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'history_shard_count of cluster "%" is immutable (% -> %)',
            OLD.cluster_name, OLD.history_shard_count, NEW.history_shard_count
        USING ERRCODE    = 'check_violation',
              CONSTRAINT = 'cluster_metadata_history_shard_count_immutable',
              TABLE      = 'cluster_metadata',
              COLUMN     = 'history_shard_count';
END;
$$;

CREATE TRIGGER cluster_metadata_history_shard_count_immutable
    BEFORE UPDATE ON cluster_metadata
    FOR EACH ROW
    WHEN (OLD.history_shard_count IS DISTINCT FROM NEW.history_shard_count)
    EXECUTE FUNCTION cluster_metadata_reject_shard_count_change();

CREATE TABLE cluster_membership (
    host_id        UUID        PRIMARY KEY,
    rpc_address    TEXT        NOT NULL,
    rpc_port       INT         NOT NULL CHECK (rpc_port BETWEEN 0 AND 65535),
    role           SMALLINT    NOT NULL,                       -- 1 frontend, 2 history, 3 matching, 4 worker
    session_start  TIMESTAMPTZ NOT NULL,
    last_heartbeat TIMESTAMPTZ NOT NULL,
    record_expiry  TIMESTAMPTZ NOT NULL
);

-- "live hosts of role R" = role = R AND record_expiry > now(): the ring rebuild query.
CREATE INDEX cluster_membership_role_expiry_idx ON cluster_membership (role, record_expiry);

-- ---------------------------------------------------------------------------------------------------------
-- History shards
-- ---------------------------------------------------------------------------------------------------------

-- range_id is the ownership fence: an owner acquires with a conditional range_id + 1, and every engine
-- transaction first re-reads it with SELECT ... FOR SHARE and aborts (ShardOwnershipLost) if it moved.
-- data holds per-shard state that needs no index: the ack levels of transfer / timer / visibility queues
-- (there is no separate queue_metadata table), and anything else a shard owner persists.
CREATE TABLE shards (
    shard_id      INT         PRIMARY KEY,
    range_id      BIGINT      NOT NULL,
    owner         TEXT,                                        -- host identity of the current owner, for owner hints
    data          BYTEA,
    data_encoding TEXT        NOT NULL DEFAULT 'proto3',
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
) WITH (fillfactor = 80);

-- ---------------------------------------------------------------------------------------------------------
-- Workflow executions (mutable state)
-- ---------------------------------------------------------------------------------------------------------

-- One row per run. Updates are compare-and-swap on db_record_version:
--   UPDATE executions SET ..., db_record_version = :v + 1 WHERE <pk> AND db_record_version = :v
-- and 0 rows updated means a concurrent writer won (reload and retry).
-- data holds the small, always-needed part of mutable state (execution info + execution state: timeouts,
-- workflow-task info, version history, update infos, cancel request id, ...). Collections that can grow to
-- thousands of entries live in the *_maps tables below so one mutation rewrites one small row each.
CREATE TABLE executions (
    shard_id           INT         NOT NULL,
    namespace_id       UUID        NOT NULL,
    workflow_id        TEXT        NOT NULL,
    run_id             UUID        NOT NULL,
    next_event_id      BIGINT      NOT NULL,
    db_record_version  BIGINT      NOT NULL,
    state              SMALLINT    NOT NULL,                   -- Kairos execution state (created/running/completed/zombie); numbering owned by Java
    status             SMALLINT    NOT NULL,                   -- temporal.api.enums.v1.WorkflowExecutionStatus number
    start_version      BIGINT      NOT NULL DEFAULT 0,         -- failover versions: 0 until multi-cluster exists
    last_write_version BIGINT      NOT NULL DEFAULT 0,
    data               BYTEA       NOT NULL,
    data_encoding      TEXT        NOT NULL DEFAULT 'proto3',
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id)
) WITH (fillfactor = 80);

-- Pointer to the current (latest) run of a workflow id. Start / continue-as-new / retry / cron take a row
-- lock here (SELECT ... FOR UPDATE, or INSERT ... ON CONFLICT DO NOTHING for the first run), which is what
-- serialises ID-reuse / ID-conflict policy decisions.
CREATE TABLE current_executions (
    shard_id           INT         NOT NULL,
    namespace_id       UUID        NOT NULL,
    workflow_id        TEXT        NOT NULL,
    run_id             UUID        NOT NULL,
    create_request_id  TEXT        NOT NULL,                   -- StartWorkflowExecution.request_id of run_id: same id again => same run, no error
    state              SMALLINT    NOT NULL,                   -- copy of executions.state so policy checks need no second read
    status             SMALLINT    NOT NULL,                   -- copy of executions.status (WorkflowExecutionStatus number)
    start_version      BIGINT      NOT NULL DEFAULT 0,
    last_write_version BIGINT      NOT NULL DEFAULT 0,
    start_time         TIMESTAMPTZ,                            -- for WorkflowExecutionAlreadyStarted details and ID-reuse windows
    -- optional extras (e.g. close time) that policy checks may need without loading the run; NULL if none
    data               BYTEA,
    data_encoding      TEXT        NOT NULL DEFAULT 'proto3',
    PRIMARY KEY (shard_id, namespace_id, workflow_id)
) WITH (fillfactor = 80);

-- Request-id dedup for mutations after the start. Needed because a retried RPC must get the original
-- outcome, and these ids are unbounded per run (every start with conflict policy USE_EXISTING that
-- attaches to the running run, every signal-with-start, request-cancel ...): keeping them in
-- executions.data would grow the blob rewritten on every mutation, while here a retry is a point lookup.
-- Maps request_id -> the event it produced (event_type = temporal.api.enums.v1.EventType number;
-- event_id = -1 while that event is still buffered and has no id). Plain signal dedup needs no event and
-- uses signals_requested_sets. Rows die with the run (deleted by the run's key prefix).
CREATE TABLE request_ids (
    shard_id     INT         NOT NULL,
    namespace_id UUID        NOT NULL,
    workflow_id  TEXT        NOT NULL,
    run_id       UUID        NOT NULL,
    request_id   TEXT        NOT NULL,
    event_type   SMALLINT    NOT NULL,
    event_id     BIGINT      NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, request_id)
);

-- Events that arrive while a workflow task is in flight. They have no event ids yet; they are flushed
-- (assigned ids, appended to history, rows deleted) after the task completes. id keeps arrival order.
CREATE TABLE buffered_events (
    shard_id      INT       NOT NULL,
    namespace_id  UUID      NOT NULL,
    workflow_id   TEXT      NOT NULL,
    run_id        UUID      NOT NULL,
    id            BIGSERIAL NOT NULL,
    data          BYTEA     NOT NULL,                          -- one batch of events (History / HistoryEvent list)
    data_encoding TEXT      NOT NULL DEFAULT 'proto3',
    PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, id)
);

-- ---------------------------------------------------------------------------------------------------------
-- Pending-state maps of a run. Kept out of executions.data because a run may hold 2000 pending activities
-- (and as many children, signals, cancels): rewriting one blob of all of them per heartbeat or completion
-- would be O(n) per mutation. Each mutation upserts / deletes only the entries it touched; the whole set is
-- loaded with the run (PK prefix scan). Key columns are the ids the events use.
-- ---------------------------------------------------------------------------------------------------------

-- keyed by the ActivityTaskScheduled event id
CREATE TABLE activity_info_maps (
    shard_id      INT    NOT NULL,
    namespace_id  UUID   NOT NULL,
    workflow_id   TEXT   NOT NULL,
    run_id        UUID   NOT NULL,
    schedule_id   BIGINT NOT NULL,
    data          BYTEA  NOT NULL,
    data_encoding TEXT   NOT NULL DEFAULT 'proto3',
    PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, schedule_id)
) WITH (fillfactor = 80);                                      -- heartbeats/attempts rewrite rows in place

-- keyed by the user's timer id (StartTimer command), unique among a run's open timers
CREATE TABLE timer_info_maps (
    shard_id      INT   NOT NULL,
    namespace_id  UUID  NOT NULL,
    workflow_id   TEXT  NOT NULL,
    run_id        UUID  NOT NULL,
    timer_id      TEXT  NOT NULL,
    data          BYTEA NOT NULL,
    data_encoding TEXT  NOT NULL DEFAULT 'proto3',
    PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, timer_id)
);

-- keyed by the StartChildWorkflowExecutionInitiated event id
CREATE TABLE child_execution_info_maps (
    shard_id      INT    NOT NULL,
    namespace_id  UUID   NOT NULL,
    workflow_id   TEXT   NOT NULL,
    run_id        UUID   NOT NULL,
    initiated_id  BIGINT NOT NULL,
    data          BYTEA  NOT NULL,
    data_encoding TEXT   NOT NULL DEFAULT 'proto3',
    PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, initiated_id)
);

-- keyed by the RequestCancelExternalWorkflowExecutionInitiated event id
CREATE TABLE request_cancel_info_maps (
    shard_id      INT    NOT NULL,
    namespace_id  UUID   NOT NULL,
    workflow_id   TEXT   NOT NULL,
    run_id        UUID   NOT NULL,
    initiated_id  BIGINT NOT NULL,
    data          BYTEA  NOT NULL,
    data_encoding TEXT   NOT NULL DEFAULT 'proto3',
    PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, initiated_id)
);

-- keyed by the SignalExternalWorkflowExecutionInitiated event id
CREATE TABLE signal_info_maps (
    shard_id      INT    NOT NULL,
    namespace_id  UUID   NOT NULL,
    workflow_id   TEXT   NOT NULL,
    run_id        UUID   NOT NULL,
    initiated_id  BIGINT NOT NULL,
    data          BYTEA  NOT NULL,
    data_encoding TEXT   NOT NULL DEFAULT 'proto3',
    PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, initiated_id)
);

-- request ids of signals already applied to this run, so a retried Signal / SignalExternal is a no-op
CREATE TABLE signals_requested_sets (
    shard_id     INT  NOT NULL,
    namespace_id UUID NOT NULL,
    workflow_id  TEXT NOT NULL,
    run_id       UUID NOT NULL,
    signal_id    TEXT NOT NULL,
    PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, signal_id)
);

-- ---------------------------------------------------------------------------------------------------------
-- History
-- ---------------------------------------------------------------------------------------------------------

-- One row per event batch (one append). tree_id is shared by runs that fork from each other (reset),
-- branch_id names one line of history; a branch's ancestors are in history_tree.data.
-- node_id is the first event id of the batch. txn_id (from the shard's id range) lets a later append
-- supersede a batch at the same node_id: if Java appends history in the same transaction as the mutable
-- state update, each node_id has one row; if it ever appends outside it, readers must take the highest
-- txn_id per node_id that chains through prev_txn_id and ignore the rest (orphans of failed transactions).
-- Reads: WHERE shard_id/tree_id/branch_id AND node_id >= :from ORDER BY node_id, txn_id (PK order).
CREATE TABLE history_node (
    shard_id      INT    NOT NULL,
    tree_id       UUID   NOT NULL,
    branch_id     UUID   NOT NULL,
    node_id       BIGINT NOT NULL,
    txn_id        BIGINT NOT NULL,
    prev_txn_id   BIGINT NOT NULL DEFAULT 0,                   -- txn_id of the batch this one follows; 0 for the first
    data          BYTEA  NOT NULL,                             -- one History batch (repeated HistoryEvent)
    data_encoding TEXT   NOT NULL DEFAULT 'proto3',
    PRIMARY KEY (shard_id, tree_id, branch_id, node_id, txn_id)
);

CREATE TABLE history_tree (
    shard_id      INT         NOT NULL,
    tree_id       UUID        NOT NULL,
    branch_id     UUID        NOT NULL,
    data          BYTEA       NOT NULL,                        -- branch info: ancestors (branch id + end node id), fork time
    data_encoding TEXT        NOT NULL DEFAULT 'proto3',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),          -- lets a scavenger spot branches of forks that never committed
    PRIMARY KEY (shard_id, tree_id, branch_id)
);

-- ---------------------------------------------------------------------------------------------------------
-- Per-shard task queues (transactional outbox). Inserted in the same transaction as the mutation that
-- creates them; processors read in key order from the ack level kept in shards.data and range-delete
-- acked rows. Tasks carry their target (namespace/workflow/run) inside data and are validated against
-- mutable state when processed, so no secondary indexes are needed. task_id comes from the shard's
-- [range_id << 20, (range_id + 1) << 20) allocator, hence unique per shard across owners.
-- ---------------------------------------------------------------------------------------------------------

CREATE TABLE transfer_tasks (
    shard_id      INT    NOT NULL,
    task_id       BIGINT NOT NULL,
    data          BYTEA  NOT NULL,
    data_encoding TEXT   NOT NULL DEFAULT 'proto3',
    PRIMARY KEY (shard_id, task_id)
);

-- Ordered by fire time: the timer processor reads WHERE shard_id = :s AND visibility_timestamp < :now + lookahead.
-- task_id breaks ties between timers firing at the same microsecond.
CREATE TABLE timer_tasks (
    shard_id             INT         NOT NULL,
    visibility_timestamp TIMESTAMPTZ NOT NULL,
    task_id              BIGINT      NOT NULL,
    data                 BYTEA       NOT NULL,
    data_encoding        TEXT        NOT NULL DEFAULT 'proto3',
    PRIMARY KEY (shard_id, visibility_timestamp, task_id)
);

CREATE TABLE visibility_tasks (
    shard_id      INT    NOT NULL,
    task_id       BIGINT NOT NULL,
    data          BYTEA  NOT NULL,
    data_encoding TEXT   NOT NULL DEFAULT 'proto3',
    PRIMARY KEY (shard_id, task_id)
);

-- ---------------------------------------------------------------------------------------------------------
-- Matching
--
-- A physical queue is (namespace_id, task_queue_name, task_type, partition_id):
--   task_queue_name  the user-visible base name (or the sticky queue's name), WITHOUT the '/_sys/<name>/<n>'
--                    wire encoding of partitions: the partition number has its own column, so all
--                    partitions of a queue are one key prefix and no string parsing is needed;
--   task_type        temporal.api.enums.v1.TaskQueueType number (1 workflow, 2 activity, 3 nexus);
--   partition_id     0 = root partition; sticky queues only have 0.
-- No range_hash column: Temporal uses it to spread queues over several databases; Kairos has one.
-- ---------------------------------------------------------------------------------------------------------

-- One row per physical queue, leased by the matching host that owns it: range_id is the lease fence
-- (acquire = conditional range_id + 1; task ids of a lease come from the new range, so they stay
-- monotonic across owners; every task write re-checks it). data holds the ack level and other queue info.
CREATE TABLE task_queues (
    namespace_id    UUID        NOT NULL,
    task_queue_name TEXT        NOT NULL,
    task_type       SMALLINT    NOT NULL,
    partition_id    INT         NOT NULL CHECK (partition_id >= 0),
    range_id        BIGINT      NOT NULL,
    kind            SMALLINT    NOT NULL DEFAULT 1,            -- temporal.api.enums.v1.TaskQueueKind number (1 normal, 2 sticky)
    expiry_time     TIMESTAMPTZ,                               -- sticky queues expire once idle; NULL = kept
    data            BYTEA       NOT NULL,
    data_encoding   TEXT        NOT NULL DEFAULT 'proto3',
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace_id, task_queue_name, task_type, partition_id)
) WITH (fillfactor = 80);

-- lets a scavenger find idle sticky queues without scanning all queues
CREATE INDEX task_queues_expiry_idx ON task_queues (expiry_time) WHERE expiry_time IS NOT NULL;

-- The backlog: tasks that found no poller (sync match failed). They carry ids only (no payloads), so
-- rows stay small. The primary key is also the backlog index: a queue's tasks are one key prefix in
-- task_id order, so "WHERE <queue> AND task_id > :ack ORDER BY task_id LIMIT n" is an index range scan,
-- and acking is "DELETE WHERE <queue> AND task_id <= :ack".
-- Expired tasks are dropped by the reader as it meets them, so expiry_time needs no index.
CREATE TABLE tasks (
    namespace_id    UUID        NOT NULL,
    task_queue_name TEXT        NOT NULL,
    task_type       SMALLINT    NOT NULL,
    partition_id    INT         NOT NULL,
    task_id         BIGINT      NOT NULL,
    expiry_time     TIMESTAMPTZ,                               -- schedule-to-start deadline; NULL = never
    data            BYTEA       NOT NULL,
    data_encoding   TEXT        NOT NULL DEFAULT 'proto3',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace_id, task_queue_name, task_type, partition_id, task_id)
);
