-- One statement per group commit: the shard fence, every run's compare-and-swap (or create) and the history and
-- queue rows of the writes whose condition held, in one round trip. Called in autocommit mode, so the statement
-- is the transaction: an error anywhere rolls all of it back.
--
-- Write i: p_kind[i] 0 = update run p_run[i] on record version p_expected[i] (p_close[i]: the run closed, copy
-- state/status to its current_executions row); 1 = create run p_run[i] and make it current (replacing
-- p_prev_run[i], or for a never-used workflow id when that is null). History: one history_node row when
-- p_hist_data[i] is not null. Queue tasks: parallel arrays whose *_write element names the write (1-based).
-- Returns one code per write: 0 written; 1 its condition did not hold (nothing of it written); 2 its shard's
-- range_id differs (then nothing at all was written).
CREATE FUNCTION kairos_write_runs(
    p_shard INT[], p_range BIGINT[], p_kind SMALLINT[],
    p_ns UUID[], p_wf TEXT[], p_run UUID[], p_prev_run UUID[], p_request_id TEXT[], p_start_time TIMESTAMPTZ[],
    p_expected BIGINT[], p_next_event BIGINT[], p_state SMALLINT[], p_status SMALLINT[], p_close BOOLEAN[],
    p_data BYTEA[],
    p_hist_node BIGINT[], p_hist_txn BIGINT[], p_hist_data BYTEA[],
    p_tr_write INT[], p_tr_id BIGINT[], p_tr_data BYTEA[],
    p_tm_write INT[], p_tm_time TIMESTAMPTZ[], p_tm_id BIGINT[], p_tm_data BYTEA[])
    RETURNS SMALLINT[]
    LANGUAGE plpgsql AS
$$
DECLARE
    n      INT := cardinality(p_kind);
    result SMALLINT[] := array_fill(0::SMALLINT, ARRAY[n]);
    moved  BOOLEAN := false;
    actual BIGINT;
BEGIN
    -- The fence: FOR SHARE holds each shard row until commit, so a new owner's range_id bump waits for us.
    FOR i IN 1..n LOOP
        SELECT range_id INTO actual FROM shards WHERE shard_id = p_shard[i] FOR SHARE;
        IF actual IS DISTINCT FROM p_range[i] THEN
            result[i] := 2;
            moved := true;
        END IF;
    END LOOP;
    IF moved THEN
        RETURN result;
    END IF;

    FOR i IN 1..n LOOP
        IF p_kind[i] = 0 THEN
            UPDATE executions
               SET next_event_id = p_next_event[i], db_record_version = p_expected[i] + 1, state = p_state[i],
                   status = p_status[i], data = p_data[i]
             WHERE shard_id = p_shard[i] AND namespace_id = p_ns[i] AND workflow_id = p_wf[i] AND run_id = p_run[i]
               AND db_record_version = p_expected[i];
            IF NOT FOUND THEN
                result[i] := 1;
                CONTINUE;
            END IF;
            IF p_close[i] THEN
                UPDATE current_executions SET state = p_state[i], status = p_status[i]
                 WHERE shard_id = p_shard[i] AND namespace_id = p_ns[i] AND workflow_id = p_wf[i] AND run_id = p_run[i];
            END IF;
        ELSE
            IF p_prev_run[i] IS NULL THEN
                INSERT INTO current_executions (shard_id, namespace_id, workflow_id, run_id, create_request_id, state,
                                                status, start_time)
                VALUES (p_shard[i], p_ns[i], p_wf[i], p_run[i], p_request_id[i], p_state[i], p_status[i], p_start_time[i])
                ON CONFLICT DO NOTHING;
            ELSE
                UPDATE current_executions
                   SET run_id = p_run[i], create_request_id = p_request_id[i], state = p_state[i], status = p_status[i],
                       start_time = p_start_time[i]
                 WHERE shard_id = p_shard[i] AND namespace_id = p_ns[i] AND workflow_id = p_wf[i]
                   AND run_id = p_prev_run[i];
            END IF;
            IF NOT FOUND THEN
                result[i] := 1;
                CONTINUE;
            END IF;
            INSERT INTO executions (shard_id, namespace_id, workflow_id, run_id, next_event_id, db_record_version, state,
                                    status, data)
            VALUES (p_shard[i], p_ns[i], p_wf[i], p_run[i], p_next_event[i], 1, p_state[i], p_status[i], p_data[i]);
        END IF;
    END LOOP;

    INSERT INTO history_node (shard_id, tree_id, branch_id, node_id, txn_id, data)
    SELECT p_shard[w], p_run[w], p_run[w], p_hist_node[w], p_hist_txn[w], p_hist_data[w]
      FROM generate_subscripts(p_kind, 1) AS w
     WHERE result[w] = 0 AND p_hist_data[w] IS NOT NULL;
    INSERT INTO transfer_tasks (shard_id, task_id, data)
    SELECT p_shard[t.w], t.id, t.data
      FROM unnest(p_tr_write, p_tr_id, p_tr_data) AS t(w, id, data)
     WHERE result[t.w] = 0;
    INSERT INTO timer_tasks (shard_id, visibility_timestamp, task_id, data)
    SELECT p_shard[t.w], t.ts, t.id, t.data
      FROM unnest(p_tm_write, p_tm_time, p_tm_id, p_tm_data) AS t(w, ts, id, data)
     WHERE result[t.w] = 0;
    RETURN result;
END
$$;
