package io.kairos.history;

import io.grpc.Channel;
import io.grpc.ServerServiceDefinition;
import io.kairos.history.engine.Activities;
import io.kairos.history.engine.ChildWorkflows;
import io.kairos.history.engine.ExternalCommands;
import io.kairos.history.engine.Namespaces;
import io.kairos.history.engine.Commands;
import io.kairos.history.engine.ExternalRequests;
import io.kairos.history.engine.ResetWorkflow;
import io.kairos.history.engine.HistoryNotifier;
import io.kairos.history.engine.HistoryReads;
import io.kairos.history.engine.Queries;
import io.kairos.history.engine.StartWorkflow;
import io.kairos.history.engine.Timers;
import io.kairos.history.engine.WorkflowTasks;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.engine.WorkflowDeletion;
import io.kairos.history.queue.QueueProcessor;
import io.kairos.history.queue.QueueTaskExecutor;
import io.kairos.history.queue.TimerQueueProcessor;
import io.kairos.history.queue.TransferQueueProcessor;
import io.kairos.history.shard.ShardController;
import io.kairos.persistence.execution.ExecutionStore;
import io.kairos.persistence.namespace.NamespaceStore;
import io.kairos.persistence.shard.ShardStore;
import io.kairos.history.visibility.VisibilityTasks;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.persistence.visibility.SearchAttributeValues;
import io.kairos.proto.matching.v1.MatchingServiceGrpc;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The history service of one process: acquires its shards, starts each shard's transfer and timer queue
 * processors, and serves the internal HistoryService API.
 */
public final class HistoryService implements AutoCloseable {
    private final ShardController shards;
    private final HistoryServiceHandler handler;
    private final List<QueueProcessor> processors = new CopyOnWriteArrayList<>();

    public HistoryService(ShardStore shardStore, ExecutionStore executions, NamespaceStore namespaceStore, int shardCount,
                          String hostIdentity, Channel matchingChannel, Clock clock) {
        this(shardStore, executions, namespaceStore, null, shardCount, hostIdentity, matchingChannel, clock);
    }

    /** @param visibilityStore where visibility records go; null writes none */
    public HistoryService(ShardStore shardStore, ExecutionStore executions, NamespaceStore namespaceStore,
                          PostgresVisibilityStore visibilityStore, int shardCount,
                          String hostIdentity, Channel matchingChannel, Clock clock) {
        this.shards = new ShardController(shardStore, executions, shardCount, hostIdentity);
        WorkflowUpdater updater = new WorkflowUpdater(executions, shards, new HistoryNotifier(), clock);
        Activities activities = new Activities(updater);
        Timers timers = new Timers(updater);
        StartWorkflow start = new StartWorkflow(updater);
        HistoryReads reads = new HistoryReads(updater);
        ExternalRequests externalRequests = new ExternalRequests(updater, reads, start);
        Namespaces namespaces = new Namespaces(namespaceStore, clock);
        ChildWorkflows children = new ChildWorkflows(updater, start, externalRequests, reads, namespaces);
        ExternalCommands externalCommands = new ExternalCommands(updater, externalRequests, namespaces, children);
        io.kairos.history.engine.Updates updates = new io.kairos.history.engine.Updates(updater, reads);
        Commands commands = new Commands(activities, children, externalCommands);
        if (visibilityStore != null) {
            commands.searchAttributeValidator((ns, sa) -> SearchAttributeValues.validate(sa,
                    new SearchAttributeCatalog(visibilityStore.searchAttributes(ns))));
        }
        WorkflowTasks workflowTasks = new WorkflowTasks(updater, commands, updates);
        this.handler = new HistoryServiceHandler(shards, clock.instant(), start, workflowTasks, activities, reads,
                externalRequests,
                new Queries(updater, reads, MatchingServiceGrpc.newBlockingStub(matchingChannel)),
                new ResetWorkflow(updater, reads));
        handler.updates(updates, new io.kairos.history.engine.UpdateWithStart(updater, start, updates));
        QueueTaskExecutor executor = new QueueTaskExecutor(MatchingServiceGrpc.newBlockingStub(matchingChannel),
                workflowTasks, activities, timers, children, externalCommands);
        if (visibilityStore != null) {
            executor.withVisibility(new VisibilityTasks(updater, visibilityStore));
        }
        WorkflowDeletion deletion = new WorkflowDeletion(updater, reads, visibilityStore);
        executor.withDeletion(deletion);
        handler.deletion(deletion);
        java.time.Duration retentionOverride = retentionOverride();
        updater.retention(ns -> retentionOverride != null ? retentionOverride : namespaces.retentionOf(ns));
        shards.onShardAcquired(shard -> {
            for (QueueProcessor p : List.of(new TransferQueueProcessor(shard, executions, executor, clock),
                    new TimerQueueProcessor(shard, executions, executor, clock))) {
                processors.add(p);
                p.start();
            }
        });
    }

    /**
     * KAIROS_RETENTION_OVERRIDE (ISO-8601, e.g. PT2S) replaces every namespace's retention for the retention
     * timer: a testing knob, since namespaces cannot be registered with less than an hour.
     */
    private static java.time.Duration retentionOverride() {
        String v = System.getenv("KAIROS_RETENTION_OVERRIDE");
        return v == null || v.isBlank() ? null : java.time.Duration.parse(v.trim());
    }

    public List<ServerServiceDefinition> services() {
        return List.of(handler.bindService());
    }

    public void start() {
        shards.acquireAll();
    }

    public ShardController shards() {
        return shards;
    }

    @Override
    public void close() {
        processors.forEach(QueueProcessor::close);
        shards.releaseAll();
    }
}
