package io.kairos.history;

import io.grpc.Channel;
import io.grpc.ServerServiceDefinition;
import io.kairos.history.engine.activities.Activities;
import io.kairos.history.engine.children.ChildWorkflows;
import io.kairos.history.engine.children.ExternalCommands;
import io.kairos.history.engine.Namespaces;
import io.kairos.history.engine.workflow.Commands;
import io.kairos.history.engine.workflow.ExternalRequests;
import io.kairos.history.engine.reset.ResetWorkflow;
import io.kairos.history.engine.HistoryNotifier;
import io.kairos.history.engine.HistoryReads;
import io.kairos.history.engine.queries.Queries;
import io.kairos.history.engine.workflow.StartWorkflow;
import io.kairos.history.engine.workflow.Timers;
import io.kairos.history.engine.workflow.WorkflowTasks;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.engine.workflow.WorkflowDeletion;
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

import io.kairos.common.ids.ShardId;
import io.kairos.history.engine.children.RemoteWorkflows;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;

/**
 * The history service of one process: owns the shards its placement gives it, runs each owned shard's transfer and
 * timer queue processors, and serves the internal HistoryService API.
 */
public final class HistoryService implements AutoCloseable {
    private final ShardController shards;
    private final HistoryServiceHandler handler;
    private final Map<ShardId, List<QueueProcessor>> processors = new ConcurrentHashMap<>();

    /** One history host owning every shard (tests, embedded use): cross-shard calls go to itself. */
    public HistoryService(ShardStore shardStore, ExecutionStore executions, NamespaceStore namespaceStore,
                          PostgresVisibilityStore visibilityStore, int shardCount, String address,
                          Channel matchingChannel, Channel historyChannel, Clock clock) {
        this(shardStore, executions, namespaceStore, visibilityStore, shardCount, address,
                ShardController.allShards(shardCount), Duration.ofSeconds(1), matchingChannel, historyChannel, clock, null);
    }

    /**
     * @param address         this host's advertised address (recorded as its shards' owner)
     * @param placement       which shards this host should own (the hashing over live history hosts)
     * @param checkInterval   how often shard ownership is re-checked; a shard lost to another host is not taken back
     *                        for five intervals
     * @param historyChannel  reaches the owner of any shard (cross-shard calls: children, external signals)
     * @param visibilityStore where visibility records go; null writes none
     */
    public HistoryService(ShardStore shardStore, ExecutionStore executions, NamespaceStore namespaceStore,
                          PostgresVisibilityStore visibilityStore, int shardCount, String address,
                          ShardController.Placement placement, Duration checkInterval, Channel matchingChannel,
                          Channel historyChannel, Clock clock, MeterRegistry metrics) {
        this(shardStore, executions, namespaceStore, visibilityStore, shardCount, address, placement, checkInterval,
                matchingChannel, historyChannel, clock, metrics, null);
    }

    /** @param nexusEndpoints the Nexus endpoint registry; null: every ScheduleNexusOperation names an unknown endpoint */
    public HistoryService(ShardStore shardStore, ExecutionStore executions, NamespaceStore namespaceStore,
                          PostgresVisibilityStore visibilityStore, int shardCount, String address,
                          ShardController.Placement placement, Duration checkInterval, Channel matchingChannel,
                          Channel historyChannel, Clock clock, MeterRegistry metrics,
                          io.kairos.persistence.nexus.NexusEndpointStore nexusEndpoints) {
        this.shards = new ShardController(shardStore, executions, shardCount, address, placement, checkInterval,
                checkInterval.multipliedBy(5), metrics);
        WorkflowUpdater updater = new WorkflowUpdater(executions, shards, new HistoryNotifier(), clock);
        Namespaces namespaces = new Namespaces(namespaceStore, clock);
        HistoryMetrics historyMetrics = metrics == null ? HistoryMetrics.NOOP
                : new HistoryMetrics(metrics, namespaces::nameOf);
        updater.metrics(historyMetrics);
        this.namespaceTag = historyMetrics::namespace;
        RemoteWorkflows remote = new RemoteWorkflows(historyChannel);
        Activities activities = new Activities(updater);
        Timers timers = new Timers(updater);
        StartWorkflow start = new StartWorkflow(updater);
        HistoryReads reads = new HistoryReads(updater);
        ExternalRequests externalRequests = new ExternalRequests(updater, reads, start);
        ChildWorkflows children = new ChildWorkflows(updater, start, remote, reads, namespaces);
        ExternalCommands externalCommands = new ExternalCommands(updater, remote, namespaces, children);
        io.kairos.history.engine.updates.Updates updates = new io.kairos.history.engine.updates.Updates(updater, reads);
        Commands commands = new Commands(activities, children, externalCommands);
        commands.nexus(new io.kairos.history.nexus.NexusCommands(nexusEndpoints));
        var nexusOperations = new io.kairos.history.nexus.NexusOperations(updater,
                MatchingServiceGrpc.newBlockingStub(matchingChannel), nexusEndpoints, namespaces, clock);
        if (visibilityStore != null) {
            commands.searchAttributeValidator((ns, sa) -> SearchAttributeValues.validate(sa,
                    new SearchAttributeCatalog(visibilityStore.searchAttributes(ns))));
        }
        WorkflowTasks workflowTasks = new WorkflowTasks(updater, commands, updates);
        this.handler = new HistoryServiceHandler(shards, clock.instant(), start, workflowTasks, activities, reads,
                externalRequests,
                new Queries(updater, reads, MatchingServiceGrpc.newBlockingStub(matchingChannel)),
                new ResetWorkflow(updater, reads));
        handler.updates(updates, new io.kairos.history.engine.updates.UpdateWithStart(updater, start, updates));
        handler.children(children);
        handler.nexus(nexusOperations);
        handler.activityOperations(new io.kairos.history.engine.activities.ActivityOperations(updater, reads));
        QueueTaskExecutor executor = new QueueTaskExecutor(MatchingServiceGrpc.newBlockingStub(matchingChannel),
                workflowTasks, activities, timers, children, externalCommands);
        executor.withNexus(nexusOperations, new io.kairos.history.nexus.NexusCancellations(nexusOperations),
                new io.kairos.history.nexus.NexusCallbacks(updater, namespaces, historyChannel));
        if (visibilityStore != null) {
            executor.withVisibility(new VisibilityTasks(updater, visibilityStore));
        }
        WorkflowDeletion deletion = new WorkflowDeletion(updater, reads, visibilityStore);
        executor.withDeletion(deletion);
        this.deletion = deletion;
        this.executor = executor;
        this.updater = updater;
        this.namespaces = namespaces;
        this.visibilityStore = visibilityStore;
        handler.deletion(deletion);
        handler.standaloneNexus(new io.kairos.history.standalone.StandaloneNexusOperations(updater, start,
                new io.kairos.history.nexus.NexusCommands(nexusEndpoints), deletion));
        handler.standaloneActivities(new io.kairos.history.standalone.StandaloneActivities(updater, start, activities,
                deletion));
        java.time.Duration retentionOverride = retentionOverride();
        updater.retention(ns -> retentionOverride != null ? retentionOverride : namespaces.retentionOf(ns));
        shards.onShardAcquired(shard -> {
            List<QueueProcessor> ps = List.of(
                    new TransferQueueProcessor(shard, executions, executor, clock).metrics(historyMetrics),
                    new TimerQueueProcessor(shard, executions, executor, clock).metrics(historyMetrics));
            processors.put(shard.shardId(), ps);
            ps.forEach(QueueProcessor::start);
        });
        shards.onShardReleased(shard -> {
            List<QueueProcessor> ps = processors.remove(shard.shardId());
            if (ps != null) {
                ps.forEach(QueueProcessor::close);
            }
        });
    }

    private final WorkflowDeletion deletion;
    private final QueueTaskExecutor executor;
    private final WorkflowUpdater updater;
    private final Namespaces namespaces;
    private final PostgresVisibilityStore visibilityStore;

    /** Archives closed runs where their namespace says before retention deletes them; set before {@link #start()}. */
    public void archival(io.kairos.persistence.archival.Archives archives) {
        var archiver = new io.kairos.history.archival.RunArchiver(updater, namespaces, archives, visibilityStore);
        deletion.archiver(archiver::archiveUnlessDone);
        executor.withArchival(archiver::archiveClosed);
        updater.archiveOnClose(archives.config().history().clusterConfigured()
                || archives.config().visibility().clusterConfigured());
    }

    /**
     * KAIROS_RETENTION_OVERRIDE (ISO-8601, e.g. PT2S) replaces every namespace's retention for the retention
     * timer: a testing knob, since namespaces cannot be registered with less than an hour.
     */
    private static java.time.Duration retentionOverride() {
        String v = System.getenv("KAIROS_RETENTION_OVERRIDE");
        return v == null || v.isBlank() ? null : java.time.Duration.parse(v.trim());
    }

    private final java.util.function.Function<String, String> namespaceTag;

    /** A namespace id's metric tag value: its name, else "_unknown_". */
    public java.util.function.Function<String, String> namespaceTag() {
        return namespaceTag;
    }

    public List<ServerServiceDefinition> services() {
        return List.of(handler.bindService());
    }

    /** Places this host's shards (the first pass before returning) and keeps them placed as membership changes. */
    public void start() {
        shards.start();
    }

    /** Graceful leave: releases every shard and waits up to {@code timeout} for other hosts to take them. */
    public void handOver(Duration timeout) {
        shards.handOver(timeout);
    }

    public ShardController shards() {
        return shards;
    }

    @Override
    public void close() {
        shards.close(); // its release listener closes each shard's queue processors
    }
}
