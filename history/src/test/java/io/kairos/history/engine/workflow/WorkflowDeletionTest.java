package io.kairos.history.engine.workflow;

import io.kairos.history.engine.HistoryNotifier;
import io.kairos.history.engine.HistoryReads;
import io.kairos.history.engine.WorkflowUpdater;
import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.shard.ShardController;
import io.kairos.history.visibility.VisibilityTasks;
import io.kairos.persistence.execution.PostgresExecutionStore;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.shard.PostgresShardStore;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.testing.EmbeddedDb;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retention against the real stores, including the crash between deleting the run and its visibility row. */
class WorkflowDeletionTest {
    private final NamespaceId ns = NamespaceId.random();
    private HikariDataSource ds;
    private HikariDataSource visibilityDs;
    private ShardController shards;
    private WorkflowUpdater updater;
    private StartWorkflow start;
    private PostgresVisibilityStore visibility;
    private WorkflowDeletion deletion;

    @BeforeEach
    void setUp() {
        ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        visibilityDs = EmbeddedDb.migrated(SchemaDatabase.VISIBILITY);
        Jdbc jdbc = new Jdbc(ds);
        PostgresShardStore shardStore = new PostgresShardStore(jdbc);
        PostgresExecutionStore executions = new PostgresExecutionStore(jdbc, shardStore);
        shards = new ShardController(shardStore, executions, 4, "10.0.0.1:7234", ShardController.allShards(4),
                Duration.ofMinutes(10), Duration.ofMinutes(10), new SimpleMeterRegistry());
        shards.start();
        updater = new WorkflowUpdater(executions, shards, new HistoryNotifier(), Clock.systemUTC());
        start = new StartWorkflow(updater);
        visibility = new PostgresVisibilityStore(new Jdbc(visibilityDs));
        deletion = new WorkflowDeletion(updater, new HistoryReads(updater), visibility);
    }

    @AfterEach
    void tearDown() {
        shards.close();
        ds.close();
        visibilityDs.close();
    }

    /** A terminated run with its (closed) visibility record written. */
    private WorkflowKey closedRun(String workflowId) {
        String runId = start.start(ns, StartWorkflowExecutionRequest.newBuilder().setNamespace("test")
                .setWorkflowId(workflowId).setWorkflowType(WorkflowType.newBuilder().setName("T"))
                .setTaskQueue(TaskQueue.newBuilder().setName("q"))
                .setRequestId(UUID.randomUUID().toString()).build()).getRunId();
        WorkflowKey key = new WorkflowKey(ns, workflowId, UUID.fromString(runId));
        updater.update(key, m -> {
            ExternalRequests.terminate(m, "done", "test", Payloads.getDefaultInstance());
            return null;
        });
        new VisibilityTasks(updater, visibility).upsert(key);
        assertEquals(1, visibilityRows(key));
        return key;
    }

    @Test
    void retentionDeletesTheRunAndItsRecord() {
        WorkflowKey key = closedRun("retained");
        deletion.retentionExpired(key);
        assertTrue(updater.load(key).isEmpty());
        assertEquals(0, visibilityRows(key));
    }

    /**
     * The process died after the run's transaction and before the visibility row's (two databases): the retention
     * task was not acknowledged, so it runs again and must still remove the row although the run is gone.
     */
    @Test
    void aRetriedRetentionTaskRemovesTheRecordOfARunAlreadyDeleted() {
        WorkflowKey key = closedRun("half-deleted");
        updater.delete(key); // the first attempt, cut short before the visibility delete
        assertEquals(1, visibilityRows(key));
        deletion.retentionExpired(key);
        assertEquals(0, visibilityRows(key));
    }

    private int visibilityRows(WorkflowKey key) {
        try (Connection c = visibilityDs.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM executions_visibility WHERE namespace_id = ? AND run_id = ?")) {
            ps.setObject(1, ns.uuid());
            ps.setObject(2, key.runId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
