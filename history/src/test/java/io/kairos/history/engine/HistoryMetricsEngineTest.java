package io.kairos.history.engine;

import io.kairos.history.engine.activities.Activities;
import io.kairos.history.engine.children.ChildWorkflows;
import io.kairos.history.engine.children.ExternalCommands;
import io.kairos.history.engine.children.RemoteWorkflows;
import io.kairos.history.engine.updates.Updates;
import io.kairos.history.engine.workflow.Commands;
import io.kairos.history.engine.workflow.StartWorkflow;
import io.kairos.history.engine.workflow.WorkflowTasks;
import com.zaxxer.hikari.HikariDataSource;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.kairos.common.ids.NamespaceId;
import io.kairos.history.HistoryMetrics;
import io.kairos.history.shard.ShardController;
import io.kairos.persistence.execution.PostgresExecutionStore;
import io.kairos.persistence.namespace.PostgresNamespaceStore;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.shard.PostgresShardStore;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.testing.EmbeddedDb;
import io.kairos.proto.history.v1.RecordWorkflowTaskStartedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.command.v1.Command;
import io.temporal.api.command.v1.CompleteWorkflowExecutionCommandAttributes;
import io.temporal.api.command.v1.StartTimerCommandAttributes;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.CommandType;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.api.taskqueue.v1.StickyExecutionAttributes;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskFailedRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Temporal's history metrics as workflows run through the engine against a real database. */
class HistoryMetricsEngineTest {
    private static final String NS_NAME = "orders";
    /** Never called here: no command in these tests reaches another workflow. */
    private static final Channel UNUSED = new Channel() {
        @Override
        public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String authority() {
            return "unused";
        }
    };

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final NamespaceId ns = NamespaceId.random();
    private HikariDataSource ds;
    private ShardController shards;
    private StartWorkflow start;
    private WorkflowTasks workflowTasks;
    private PostgresExecutionStore executions;

    @BeforeEach
    void setUp() {
        ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        Jdbc jdbc = new Jdbc(ds);
        PostgresShardStore shardStore = new PostgresShardStore(jdbc);
        executions = new PostgresExecutionStore(jdbc, shardStore);
        shards = new ShardController(shardStore, executions, 4, "10.0.0.1:7234", ShardController.allShards(4),
                Duration.ofMinutes(10), Duration.ofMinutes(10), registry);
        shards.start();
        Clock clock = Clock.systemUTC();
        WorkflowUpdater updater = new WorkflowUpdater(executions, shards, new HistoryNotifier(), clock);
        updater.metrics(new HistoryMetrics(registry, id -> id.equals(ns) ? NS_NAME : id.toString()));
        start = new StartWorkflow(updater);
        HistoryReads reads = new HistoryReads(updater);
        Namespaces namespaces = new Namespaces(new PostgresNamespaceStore(jdbc), clock);
        RemoteWorkflows remote = new RemoteWorkflows(UNUSED);
        ChildWorkflows children = new ChildWorkflows(updater, start, remote, reads, namespaces);
        Commands commands = new Commands(new Activities(updater), children,
                new ExternalCommands(updater, remote, namespaces, children));
        workflowTasks = new WorkflowTasks(updater, commands, new Updates(updater, reads));
    }

    @AfterEach
    void tearDown() {
        shards.close();
        ds.close();
    }

    private WorkflowExecution startRun(String workflowId) {
        String runId = start.start(ns, StartWorkflowExecutionRequest.newBuilder().setNamespace(NS_NAME)
                .setWorkflowId(workflowId).setWorkflowType(WorkflowType.newBuilder().setName("OrderWorkflow"))
                .setTaskQueue(TaskQueue.newBuilder().setName("order-queue"))
                .setRequestId(UUID.randomUUID().toString()).build()).getRunId();
        return WorkflowExecution.newBuilder().setWorkflowId(workflowId).setRunId(runId).build();
    }

    private PollWorkflowTaskQueueResponse poll(WorkflowExecution e, long scheduledEventId) {
        return workflowTasks.recordStarted(RecordWorkflowTaskStartedRequest.newBuilder().setNamespaceId(ns.toString())
                .setExecution(e).setScheduledEventId(scheduledEventId).setPollerId(UUID.randomUUID().toString())
                .setPollRequest(PollWorkflowTaskQueueRequest.newBuilder().setIdentity("worker")
                        .setTaskQueue(TaskQueue.newBuilder().setName("order-queue")))
                .build());
    }

    private double count(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aCompletedRunCountsItsCommandsAndItsCompletionOnce() {
        WorkflowExecution e = startRun("order-1");
        PollWorkflowTaskQueueResponse task = poll(e, 2);
        workflowTasks.completed(ns, RespondWorkflowTaskCompletedRequest.newBuilder().setTaskToken(task.getTaskToken())
                .setIdentity("worker")
                .setStickyAttributes(StickyExecutionAttributes.newBuilder()
                        .setWorkerTaskQueue(TaskQueue.newBuilder().setName("worker-sticky"))
                        .setScheduleToStartTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(5)))
                .addCommands(Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_START_TIMER)
                        .setStartTimerCommandAttributes(StartTimerCommandAttributes.newBuilder().setTimerId("t")
                                .setStartToFireTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(60))))
                .addCommands(Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION)
                        .setCompleteWorkflowExecutionCommandAttributes(CompleteWorkflowExecutionCommandAttributes.getDefaultInstance()))
                .build());

        assertEquals(1, count("workflow_success", "operation", "CompletionStats", "namespace", NS_NAME,
                "workflowType", "OrderWorkflow", "taskqueue", "order-queue", "namespace_state", "active"));
        assertNull(registry.find("workflow_failed").counter());
        assertEquals(1, registry.find("workflow_schedule_to_close_latency").tag("namespace", NS_NAME).timer().count());
        assertEquals(1, count("command", "operation", "RespondWorkflowTaskCompleted", "namespace", NS_NAME,
                "commandType", "StartTimer"));
        assertEquals(1, count("command", "commandType", "CompleteWorkflowExecution"));
        assertEquals(1, count("complete_workflow_task_sticky_enabled_count", "operation", "RespondWorkflowTaskCompleted"));
        assertEquals(0, count("complete_workflow_task_sticky_disabled_count"));
        assertEquals(0, count("multiple_completion_commands"));

        // One record per committed write (start, task started, completion) of the run's count so far.
        var transitions = registry.find("state_transition_count").tag("namespace", NS_NAME).summary();
        assertEquals(3, transitions.count());
        assertTrue(transitions.max() >= 3, "max " + transitions.max());

        // The start wrote the cache; the two later mutations found the run in it.
        assertEquals(2, count("cache_requests", "cache_type", "mutablestate", "operation", "HistoryCacheGetOrCreate"));
        assertEquals(0, count("cache_miss", "cache_type", "mutablestate", "operation", "HistoryCacheGetOrCreate"));
        assertEquals(3, count("cache_requests", "cache_type", "events", "operation", "EventsCachePutEvent"));
    }

    @Test
    void aCompletionWhoseCommitRacedIsCountedOnceWhenItFinallyCommits() {
        WorkflowExecution e = startRun("order-3");
        PollWorkflowTaskQueueResponse task = poll(e, 2);
        // Another writer (as a host that briefly also believed it owned the shard) changes the run behind this
        // updater's cache: the completion's first commit fails its record-version check and is re-run.
        WorkflowUpdater other = new WorkflowUpdater(executions, shards, new HistoryNotifier(), Clock.systemUTC());
        other.update(new io.kairos.common.ids.WorkflowKey(ns, e.getWorkflowId(), UUID.fromString(e.getRunId())), m -> {
            m.state().getExecutionBuilder().setStickyTaskQueue(TaskQueue.newBuilder().setName("elsewhere"));
            return null;
        });
        workflowTasks.completed(ns, RespondWorkflowTaskCompletedRequest.newBuilder().setTaskToken(task.getTaskToken())
                .setIdentity("worker")
                .addCommands(Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION)
                        .setCompleteWorkflowExecutionCommandAttributes(CompleteWorkflowExecutionCommandAttributes.getDefaultInstance()))
                .build());

        assertEquals(1, count("workflow_success", "namespace", NS_NAME));
        assertEquals(1, count("command", "commandType", "CompleteWorkflowExecution"));
        assertEquals(1, count("complete_workflow_task_sticky_disabled_count"));
        // The handler ran twice (the second time on the state read back from the database).
        assertEquals(1, count("cache_miss", "cache_type", "mutablestate", "operation", "HistoryCacheGetOrCreate"));
    }

    @Test
    void aFailedWorkflowTaskAndAnEmptyCompletionAreCounted() {
        WorkflowExecution e = startRun("order-2");
        PollWorkflowTaskQueueResponse task = poll(e, 2);
        workflowTasks.failed(ns, RespondWorkflowTaskFailedRequest.newBuilder().setTaskToken(task.getTaskToken())
                .setCause(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE)
                .setIdentity("worker").build());
        assertEquals(1, count("failed_workflow_tasks", "operation", "RespondWorkflowTaskFailed", "namespace", NS_NAME));

        // The retry is transient (attempt 2, scheduled at the next event id); complete it with nothing to do.
        PollWorkflowTaskQueueResponse retry = poll(e, task.getStartedEventId() + 2);
        workflowTasks.completed(ns, RespondWorkflowTaskCompletedRequest.newBuilder().setTaskToken(retry.getTaskToken())
                .setIdentity("worker").build());
        assertEquals(1, count("empty_completion_commands", "operation", "RespondWorkflowTaskCompleted",
                "namespace", NS_NAME));
        assertEquals(1, count("complete_workflow_task_sticky_disabled_count", "operation", "RespondWorkflowTaskCompleted"));
        assertEquals(List.of(), registry.find("workflow_success").counters().stream().toList());
    }
}
