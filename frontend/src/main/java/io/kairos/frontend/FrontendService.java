package io.kairos.frontend;

import io.grpc.BindableService;
import io.grpc.Channel;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.kairos.frontend.cluster.ClusterInfoHandler;
import io.kairos.frontend.grpc.HealthGate;
import io.kairos.frontend.grpc.RequestGuard;
import io.kairos.common.metrics.ServiceRequestMetrics;
import io.kairos.frontend.grpc.ActionMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.kairos.frontend.namespace.DeleteNamespaceHandler;
import io.kairos.frontend.namespace.NamespaceHandler;
import io.kairos.frontend.namespace.NamespaceRegistry;
import io.kairos.frontend.namespace.NamespaceResolver;
import io.kairos.frontend.workflow.TaskHandler;
import io.kairos.frontend.workflow.WorkflowHandler;
import io.kairos.frontend.visibility.SearchAttributesHandler;
import io.kairos.frontend.visibility.VisibilityHandler;
import io.kairos.persistence.cluster.ClusterMetadataStore;
import io.kairos.persistence.namespace.NamespaceStore;
import io.kairos.proto.history.v1.DescribeHistoryHostRequest;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.proto.matching.v1.DescribeMatchingHostRequest;
import io.kairos.proto.matching.v1.MatchingServiceGrpc;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The frontend: Temporal's public gRPC services plus health and reflection. It talks to history and
 * matching only through their gRPC channels, and reports SERVING once persistence, history and matching
 * all answer.
 */
public final class FrontendService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FrontendService.class);
    private static final List<String> HEALTH_NAMES =
            List.of("", WorkflowServiceGrpc.SERVICE_NAME, OperatorServiceGrpc.SERVICE_NAME);

    private final NamespaceStore namespaceStore;
    private final ClusterMetadataStore clusterStore;
    private final String clusterName;
    private final Channel historyChannel;
    private final Channel matchingChannel;
    private final NamespaceRegistry registry;
    private final NamespaceHandler namespaces;
    private final MeterRegistry metrics;
    private final HealthStatusManager health = new HealthStatusManager();
    private volatile boolean ready;
    private volatile Thread readinessProbe;

    public FrontendService(NamespaceStore namespaceStore, ClusterMetadataStore clusterStore, String clusterName,
                           Duration namespaceRefresh, Channel historyChannel, Channel matchingChannel, Clock clock,
                           MeterRegistry metrics) {
        this.metrics = metrics;
        this.namespaceStore = namespaceStore;
        this.clusterStore = clusterStore;
        this.clusterName = clusterName;
        this.historyChannel = historyChannel;
        this.matchingChannel = matchingChannel;
        this.registry = new NamespaceRegistry(namespaceStore, namespaceRefresh, clock);
        this.namespaces = new NamespaceHandler(namespaceStore, registry, clusterName, clock);
        HEALTH_NAMES.forEach(n -> health.setStatus(n, ServingStatus.NOT_SERVING));
    }

    private io.kairos.persistence.visibility.PostgresVisibilityStore visibility;

    private volatile io.kairos.frontend.workflow.TaskQueueOwners queueOwners = (ns, queue, type) -> "";

    /** Where task queues live (the membership's placement); set before {@link #services()}. */
    public void taskQueueOwners(io.kairos.frontend.workflow.TaskQueueOwners owners) {
        this.queueOwners = owners;
    }

    private Channel workerChannel;

    /** Where the worker service runs (schedules, batch operations); set before {@link #services()}. */
    public void workerChannel(Channel channel) {
        this.workerChannel = channel;
    }

    private io.kairos.persistence.nexus.NexusEndpointStore nexusEndpoints;

    /** The Nexus endpoint registry; set before {@link #services()}. */
    public void nexusEndpoints(io.kairos.persistence.nexus.NexusEndpointStore store) {
        this.nexusEndpoints = store;
    }

    /** The visibility database; set before {@link #services()}. */
    public void visibility(io.kairos.persistence.visibility.PostgresVisibilityStore store) {
        this.visibility = store;
    }

    private io.kairos.common.config.AuthorizationConfig authorization = io.kairos.common.config.AuthorizationConfig.NONE;
    private io.kairos.frontend.auth.AuthorizationInterceptor authInterceptor;

    /** Who may call what (the config's authorization section); set before {@link #services()}. */
    public void authorization(io.kairos.common.config.AuthorizationConfig config) {
        this.authorization = config;
    }

    private io.kairos.persistence.archival.Archives archives = io.kairos.persistence.archival.Archives.disabled();

    /** The cluster's archival (namespace archival states, reading archived runs); set before {@link #services()}. */
    public void archival(io.kairos.persistence.archival.Archives a) {
        this.archives = a;
        namespaces.archival(a);
    }

    public NamespaceHandler namespaces() {
        return namespaces;
    }

    /** Everything the gRPC server on :7233 must expose. */
    public List<ServerServiceDefinition> services() {
        HealthGate gate = new HealthGate(() -> ready);
        ServiceRequestMetrics rpcMetrics = new ServiceRequestMetrics(metrics, new ActionMetrics(metrics));
        ClusterInfoHandler cluster = new ClusterInfoHandler(clusterStore, clusterName, workerChannel != null);
        NamespaceResolver resolver = new NamespaceResolver(registry);
        var history = HistoryServiceGrpc.newBlockingStub(historyChannel);
        WorkflowHandler workflows = new WorkflowHandler(resolver, history);
        var vis = visibility;
        if (vis != null) {
            workflows.searchAttributeCheck((ns, sa) -> io.kairos.persistence.visibility.SearchAttributeValues.validate(sa,
                    new io.kairos.persistence.visibility.SearchAttributeCatalog(vis.searchAttributes(ns))));
        }
        TaskHandler tasks = new TaskHandler(resolver, history, MatchingServiceGrpc.newStub(matchingChannel),
                MatchingServiceGrpc.newBlockingStub(matchingChannel), queueOwners);
        VisibilityHandler visibilityHandler = vis == null ? null : new VisibilityHandler(resolver, vis);
        if (visibilityHandler != null) {
            tasks.reachabilityCount(r -> visibilityHandler.count(r).getCount());
        }
        WorkflowServiceHandler workflow = new WorkflowServiceHandler(namespaces, cluster, workflows, tasks,
                visibilityHandler);
        var archivedReads = new io.kairos.frontend.archival.ArchivedReads(resolver, archives);
        workflows.archivedReads(archivedReads);
        workflow.archivedReads(archivedReads);
        if (workerChannel != null) {
            var worker = io.kairos.proto.worker.v1.WorkerServiceGrpc.newBlockingStub(workerChannel);
            workflow.workerRpcs(new io.kairos.frontend.schedule.ScheduleHandler(resolver, worker),
                    new io.kairos.frontend.batch.BatchOperationHandler(resolver, worker));
        }
        OperatorServiceHandler operator = new OperatorServiceHandler(
                new DeleteNamespaceHandler(namespaceStore, registry, Clock.systemUTC()),
                vis == null ? null : new SearchAttributesHandler(resolver, vis));
        if (vis != null) {
            workflow.activityExecutions(new io.kairos.frontend.activity.ActivityExecutionHandler(resolver, history, vis));
        }
        if (nexusEndpoints != null && vis != null) {
            workflow.nexusOperations(new io.kairos.frontend.nexus.NexusOperationExecutionHandler(resolver, history,
                    nexusEndpoints, vis));
        }
        if (nexusEndpoints != null) {
            operator.nexusEndpoints(new io.kairos.frontend.nexus.NexusEndpointHandler(nexusEndpoints, registry,
                    Clock.systemUTC()));
        }
        // The last interceptor runs first: metrics see every answer, the gate refuses before tokens are checked; the
        // request guard sits under them all, so its refusals are counted and authorization still comes first.
        List<io.grpc.ServerInterceptor> chain = new java.util.ArrayList<>();
        if (authInterceptor == null) {
            authInterceptor = io.kairos.frontend.auth.AuthorizationInterceptor.create(authorization, metrics, registry::isCached);
        }
        if (authInterceptor != null) {
            chain.add(authInterceptor);
        }
        chain.add(gate);
        chain.add(rpcMetrics);
        return List.of(
                ServerInterceptors.intercept(RequestGuard.guard(workflow), chain),
                ServerInterceptors.intercept(RequestGuard.guard(operator), chain),
                health.getHealthService().bindService(),
                ProtoReflectionServiceV1.newInstance().bindService(),
                reflectionV1Alpha().bindService());
    }

    @SuppressWarnings("deprecation")
    private static BindableService reflectionV1Alpha() {
        // grpcurl and older tools still ask the v1alpha reflection service.
        return ProtoReflectionService.newInstance();
    }

    /** Loads the namespace cache and starts probing dependencies; health turns SERVING when they answer. */
    public void start() {
        registry.start();
        readinessProbe = Thread.ofVirtual().name("frontend-readiness").start(this::awaitDependencies);
    }

    public boolean isReady() {
        return ready;
    }

    private void awaitDependencies() {
        long attempt = 0;
        while (!Thread.currentThread().isInterrupted()) {
            attempt++;
            try {
                namespaceStore.metadataVersion();
                clusterStore.get(clusterName).orElseThrow(() -> new IllegalStateException("cluster metadata missing"));
                HistoryServiceGrpc.newBlockingStub(historyChannel).withDeadlineAfter(2, TimeUnit.SECONDS)
                        .describeHistoryHost(DescribeHistoryHostRequest.getDefaultInstance());
                MatchingServiceGrpc.newBlockingStub(matchingChannel).withDeadlineAfter(2, TimeUnit.SECONDS)
                        .describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance());
                ready = true;
                HEALTH_NAMES.forEach(n -> health.setStatus(n, ServingStatus.SERVING));
                log.debug("component=frontend msg=\"dependencies ready\" attempts={}", attempt);
                return;
            } catch (RuntimeException e) {
                if (attempt % 20 == 1) {
                    log.info("component=frontend msg=\"waiting for persistence, history and matching\" error=\"{}\"", e.getMessage());
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Closed once: the server stops the frontend first, then again with everything it tracks. */
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ready = false;
        health.enterTerminalState();
        Thread t = readinessProbe;
        if (t != null) {
            t.interrupt();
        }
        registry.close();
        if (authInterceptor != null) {
            authInterceptor.close();
        }
    }
}
