-- Kairos visibility schema (database `temporal_visibility`), PostgreSQL 14+.
-- Written only by visibility task processors (eventually consistent), read by List/Count/Scan.

-- One row per run. Upserts are ordered by _version (the id of the visibility task that wrote the row), so
-- a late or retried task never overwrites a newer state:
--   INSERT ... ON CONFLICT (namespace_id, run_id) DO UPDATE SET ...
--       WHERE executions_visibility._version < EXCLUDED._version
CREATE TABLE executions_visibility (
    namespace_id           UUID        NOT NULL,
    run_id                 UUID        NOT NULL,
    workflow_id            TEXT        NOT NULL,
    workflow_type_name     TEXT        NOT NULL,
    start_time             TIMESTAMPTZ NOT NULL,
    execution_time         TIMESTAMPTZ NOT NULL,               -- start_time + first workflow task backoff (cron/retry/delay)
    close_time             TIMESTAMPTZ,                        -- NULL while the run is open
    status                 SMALLINT    NOT NULL,               -- temporal.api.enums.v1.WorkflowExecutionStatus number
    -- NULL until known (set on close or on upsert), so "HistoryLength IS NULL" behaves as in Temporal
    history_length         BIGINT,
    history_size_bytes     BIGINT,
    execution_duration     BIGINT,                             -- nanoseconds, close_time - execution_time
    state_transition_count BIGINT,
    task_queue             TEXT        NOT NULL DEFAULT '',
    parent_workflow_id     TEXT,
    parent_run_id          UUID,
    root_workflow_id       TEXT,                               -- the run itself for top-level workflows
    root_run_id            UUID,
    memo                   BYTEA,
    memo_encoding          TEXT,
    -- predefined (BuildIds, TemporalChangeVersion, TemporalScheduledById, ...) and custom search attributes,
    -- keyed by attribute name, values as JSON (Datetime as RFC3339 string, KeywordList as array)
    search_attributes      JSONB       NOT NULL DEFAULT '{}',
    -- TemporalNamespaceDivision: NULL for user workflows; queries that do not mention it add
    -- "namespace_division IS NULL" so scheduler/batcher system workflows stay hidden
    namespace_division     TEXT,
    _version               BIGINT      NOT NULL,
    -- Sort key of the default order (open runs first, then close_time DESC): NULL close_time becomes
    -- +infinity so the whole order key (sort_close_time, start_time, run_id) is NULL-free and a keyset page
    -- token is one row comparison that the indexes below can serve:
    --   WHERE namespace_id = :ns AND (sort_close_time, start_time, run_id) < (:c, :s, :r)
    --   ORDER BY sort_close_time DESC, start_time DESC, run_id DESC
    -- Generated: never write it (INSERT with an explicit column list).
    sort_close_time        TIMESTAMPTZ GENERATED ALWAYS AS (COALESCE(close_time, 'infinity'::timestamptz)) STORED,
    PRIMARY KEY (namespace_id, run_id)
);

-- Default listing (no filter, or filters the index cannot serve): walk a namespace in result order.
CREATE INDEX executions_visibility_default_order_idx
    ON executions_visibility (namespace_id, sort_close_time DESC, start_time DESC, run_id DESC);

-- Equality filters the CLI/UI use most, each followed by the default order so a filtered page is still an
-- index range scan with the same keyset predicate.
CREATE INDEX executions_visibility_workflow_id_idx
    ON executions_visibility (namespace_id, workflow_id, sort_close_time DESC, start_time DESC, run_id DESC);
CREATE INDEX executions_visibility_workflow_type_idx
    ON executions_visibility (namespace_id, workflow_type_name, sort_close_time DESC, start_time DESC, run_id DESC);
-- also serves CountWorkflowExecutions ... GROUP BY ExecutionStatus
CREATE INDEX executions_visibility_status_idx
    ON executions_visibility (namespace_id, status, sort_close_time DESC, start_time DESC, run_id DESC);

-- StartTime range queries ("StartTime > '...'"), common in the UI's time filter.
CREATE INDEX executions_visibility_start_time_idx
    ON executions_visibility (namespace_id, start_time DESC, run_id DESC);

-- ParentWorkflowId = ... (children of a workflow); partial because most runs have no parent.
CREATE INDEX executions_visibility_parent_idx
    ON executions_visibility (namespace_id, parent_workflow_id)
    WHERE parent_workflow_id IS NOT NULL;

-- Search-attribute filters. jsonb_path_ops is smaller and faster than the default opclass and serves
-- @> (equality / KeywordList contains: search_attributes @> '{"CustomKeywordField":"x"}') and the jsonpath
-- operators @? / @@ (existence: search_attributes @? '$.CustomKeywordField'). It does NOT serve the ?
-- operator or range comparisons: ranges on custom Int/Double/Datetime are evaluated on the rows the other
-- predicates select.
CREATE INDEX executions_visibility_search_attributes_idx
    ON executions_visibility USING GIN (search_attributes jsonb_path_ops);

-- Custom search attributes registered per namespace (OperatorService Add/Remove/ListSearchAttributes).
-- Values live in executions_visibility.search_attributes under the same name, so there is no per-type
-- column pool and no per-type cap; only the API's total-count limit applies.
CREATE TABLE search_attributes (
    namespace_id UUID        NOT NULL,
    name         TEXT        NOT NULL CHECK (name <> ''),
    type         SMALLINT    NOT NULL CHECK (type > 0),        -- temporal.api.enums.v1.IndexedValueType number
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace_id, name)
);
