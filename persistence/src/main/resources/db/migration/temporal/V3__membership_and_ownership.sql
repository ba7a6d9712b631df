-- Scale-out: membership rows per service of a process, owners recorded where operators look, system job leases.

-- One row per (process, service): host_id is the registration's own id, process_id groups the services of one
-- process, identity is hostname:pid for people. rpc_address/rpc_port are where peers dial the service.
ALTER TABLE cluster_membership ADD COLUMN process_id UUID;
ALTER TABLE cluster_membership ADD COLUMN identity TEXT NOT NULL DEFAULT '';

-- The owner of a task queue (the matching host's advertised address), written when it acquires the lease: what
-- `temporal-server cluster describe` shows. shards.owner holds the history host's advertised address the same way.
ALTER TABLE task_queues ADD COLUMN owner TEXT;

-- A system job (worker service) runs on one worker at a time: the holder renews its lease before expires_at; a
-- lease past expires_at may be taken by another worker, which bumps range_id so the old holder's renewal fails.
CREATE TABLE system_job_leases (
    job_name   TEXT        PRIMARY KEY,
    owner      TEXT        NOT NULL,
    range_id   BIGINT      NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
