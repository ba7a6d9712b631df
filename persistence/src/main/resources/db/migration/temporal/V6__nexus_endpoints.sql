-- Nexus endpoints (OperatorService Create/Update/Delete/Get/ListNexusEndpoints): a cluster-wide registry, as
-- Temporal's nexus_endpoints table. Names are unique (Temporal checks that on create only; a lookup by name must
-- find one endpoint). version is the endpoint's conflict version: 1 when created, +1 per update.
CREATE TABLE nexus_endpoints (
    id                  UUID        NOT NULL PRIMARY KEY,
    name                TEXT        NOT NULL UNIQUE,
    version             BIGINT      NOT NULL,
    target_namespace_id UUID,                 -- a worker target: namespace and task queue
    target_task_queue   TEXT,
    external_url        TEXT,                 -- or an external target
    description         BYTEA,                -- temporal.api.common.v1.Payload
    created_time        TIMESTAMPTZ NOT NULL,
    last_modified_time  TIMESTAMPTZ NOT NULL,
    CHECK ((target_namespace_id IS NULL) <> (external_url IS NULL))
);
