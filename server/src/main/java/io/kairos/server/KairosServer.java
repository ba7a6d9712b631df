package io.kairos.server;

import com.zaxxer.hikari.HikariDataSource;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ServerInterceptors;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.kairos.common.config.ServerConfig;
import io.kairos.common.config.ServiceEndpoint;
import io.kairos.common.config.ServiceRole;
import io.kairos.common.metrics.ClientRequestMetrics;
import io.kairos.common.metrics.ServiceRequestMetrics;
import io.kairos.server.metrics.ServiceRegistries;
import io.micrometer.core.instrument.MeterRegistry;
import io.grpc.util.MutableHandlerRegistry;
import io.kairos.membership.MembershipConfig;
import io.kairos.persistence.membership.PostgresMembershipStore;
import io.kairos.frontend.FrontendService;
import io.kairos.history.HistoryService;
import io.kairos.matching.MatchingConfig;
import io.kairos.matching.MatchingService;
import io.kairos.persistence.DataSources;
import io.kairos.persistence.cluster.ClusterMetadata;
import io.kairos.persistence.cluster.PostgresClusterMetadataStore;
import io.kairos.persistence.namespace.PostgresNamespaceStore;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.schema.SchemaManager;
import io.kairos.persistence.execution.PostgresExecutionStore;
import io.kairos.persistence.shard.PostgresShardStore;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.server.tls.TlsContexts;
import io.kairos.worker.WorkerService;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Assembles the services this process runs. Services in the same process reach each other over an
 * in-process gRPC channel; services elsewhere over the network at their configured address. Nothing calls
 * another service's classes directly, so any subset can run in any process.
 */
public final class KairosServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KairosServer.class);

    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private final InternalHealth internalHealth = new InternalHealth();
    private final ExecutorService rpcExecutor = Executors.newVirtualThreadPerTaskExecutor();
    private FrontendService frontend;
    private HistoryService history;
    private MatchingService matching;
    private ClusterWiring cluster;
    private Server frontendServer;
    private TlsContexts tls = TlsContexts.NONE;
    private int metricsPort = -1;

    /** Temporal's prefix for visibility store metrics (visibility_persistence_requests, ...). */
    private static final String VISIBILITY_METRICS = "visibility_persistence";

    private KairosServer() {
    }

    /**
     * With the frontend, creates the config's namespaces that are missing.
     *
     * @param exposeInternalPorts open history/matching network ports (production mode); dev mode keeps them in-process
     */
    public static KairosServer start(ServerConfig config, Set<ServiceRole> roles, boolean exposeInternalPorts)
            throws IOException {
        KairosServer s = new KairosServer();
        try {
            s.doStart(config, roles, exposeInternalPorts);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void doStart(ServerConfig config, Set<ServiceRole> roles, boolean exposeInternalPorts) throws IOException {
        Clock clock = Clock.systemUTC();
        // First: a missing certificate file fails the start before anything connects to the database.
        tls = track(TlsContexts.create(config.tls(), roles.contains(ServiceRole.FRONTEND)));
        MetricsEndpoint metrics = track(new MetricsEndpoint(config.metrics()));
        HikariDataSource temporalDs = track(DataSources.create("temporal", config.temporalDb(), metrics.registry()));
        HikariDataSource visibilityDs = track(DataSources.create("visibility", config.visibilityDb(), metrics.registry()));
        new SchemaManager(SchemaDatabase.TEMPORAL, temporalDs).checkOrMigrate(config.autoMigrate());
        new SchemaManager(SchemaDatabase.VISIBILITY, visibilityDs).checkOrMigrate(config.autoMigrate());

        ServiceRegistries services = new ServiceRegistries(metrics.registry(), config.metrics().enabled());
        // Process-level work (cluster metadata, membership) is counted under the process's first service.
        MeterRegistry processMetrics = services.of(roles.stream().sorted().findFirst().orElseThrow().configName());
        Jdbc jdbc = new Jdbc(temporalDs, processMetrics);
        var archives = io.kairos.persistence.archival.Archives.of(config.archival());
        var visibilityStore = new io.kairos.persistence.visibility.PostgresVisibilityStore(
                new Jdbc(visibilityDs, processMetrics, VISIBILITY_METRICS));
        var clusterStore = new PostgresClusterMetadataStore(jdbc);
        ClusterMetadata clusterMeta = clusterStore.getOrCreate(config.clusterName(), config.historyShardCount());
        if (clusterMeta.historyShardCount() != config.historyShardCount()) {
            log.warn("component=server msg=\"history shard count is fixed when the cluster is created; using the stored "
                    + "count\" stored={} configured={}", clusterMeta.historyShardCount(), config.historyShardCount());
        }
        List<Runnable> localServices = new ArrayList<>();
        boolean dev = !exposeInternalPorts;
        cluster = track(new ClusterWiring(new PostgresMembershipStore(jdbc),
                new MembershipConfig(config.membershipHeartbeatInterval(), config.membershipTtl()), dev,
                clusterMeta.historyShardCount(), processMetrics, tls));
        String inProcessName = "kairos-" + UUID.randomUUID();
        ManagedChannel inProcess = InProcessChannelBuilder.forName(inProcessName).directExecutor().build();
        closeables.push(() -> {
            inProcess.shutdown();
            inProcess.awaitTermination(5, TimeUnit.SECONDS);
        });
        InProcessServerBuilder local = InProcessServerBuilder.forName(inProcessName).executor(rpcExecutor);
        cluster.start();

        if (roles.contains(ServiceRole.HISTORY)) {
            MutableHandlerRegistry registry = new MutableHandlerRegistry();
            String address = internalAddress(ServiceRole.HISTORY, config, dev, inProcessName, registry);
            MeterRegistry hm = services.of(ServiceRole.HISTORY.configName());
            Jdbc hj = new Jdbc(temporalDs, hm);
            PostgresShardStore shardStore = new PostgresShardStore(hj);
            HistoryService h = track(new HistoryService(shardStore, new PostgresExecutionStore(hj, shardStore),
                    new PostgresNamespaceStore(hj), visibilityStore.via(new Jdbc(visibilityDs, hm, VISIBILITY_METRICS)),
                    clusterMeta.historyShardCount(), address, cluster.placement(address),
                    config.membershipHeartbeatInterval(), client(cluster.matchingChannel(), hm, ServiceRole.MATCHING),
                    client(cluster.historyChannel(), hm, ServiceRole.HISTORY), clock, hm,
                    new io.kairos.persistence.nexus.PostgresNexusEndpointStore(hj)));
            h.archival(archives);
            history = h;
            instrumented(h.services(), hm, h.namespaceTag()).forEach(d -> {
                registry.addService(d);
                local.addService(d);
            });
            cluster.onChange(v -> h.shards().trigger());
            localServices.add(() -> cluster.local(ServiceRole.HISTORY, address, inProcess));
        }
        if (roles.contains(ServiceRole.MATCHING)) {
            MutableHandlerRegistry registry = new MutableHandlerRegistry();
            String address = internalAddress(ServiceRole.MATCHING, config, dev, inProcessName, registry);
            MeterRegistry mm = services.of(ServiceRole.MATCHING.configName());
            MatchingService m = track(new MatchingService(address, clock, new Jdbc(temporalDs, mm),
                    client(cluster.historyChannel(), mm, ServiceRole.HISTORY),
                    MatchingConfig.defaults(), cluster.queueOwnerElsewhere(address), mm));
            matching = m;
            instrumented(m.services(), mm, m.namespaceTag()).forEach(d -> {
                registry.addService(d);
                local.addService(d);
            });
            cluster.onChange(v -> m.rebalance());
            localServices.add(() -> cluster.local(ServiceRole.MATCHING, address, inProcess));
        }
        WorkerService worker = null;
        if (roles.contains(ServiceRole.WORKER)) {
            MutableHandlerRegistry registry = new MutableHandlerRegistry();
            String address = internalAddress(ServiceRole.WORKER, config, dev, inProcessName, registry);
            MeterRegistry wm = services.of(ServiceRole.WORKER.configName());
            Jdbc wj = new Jdbc(temporalDs, wm);
            WorkerService w = track(new WorkerService(new WorkerService.Dependencies(
                    new io.kairos.persistence.systemjob.PostgresSystemJobLeaseStore(wj), cluster.membership().identity(),
                    new PostgresMembershipStore(wj), new io.kairos.persistence.matching.PostgresTaskQueueStore(wj, clock),
                    new io.kairos.persistence.schedule.PostgresScheduleStore(wj),
                    new io.kairos.persistence.batch.PostgresBatchOperationStore(wj),
                    visibilityStore.via(new Jdbc(visibilityDs, wm, VISIBILITY_METRICS)),
                    client(cluster.historyChannel(), wm, ServiceRole.HISTORY),
                    () -> cluster.workerBuckets().placedOn(address), dev, clock, wm)));
            worker = w;
            instrumented(w.services(), wm, id -> ServiceRequestMetrics.UNKNOWN).forEach(d -> {
                registry.addService(d);
                local.addService(d);
            });
            localServices.add(() -> cluster.local(ServiceRole.WORKER, address, inProcess));
        }
        Server inProcessServer = local.build().start();
        closeables.push(() -> stopServer(inProcessServer));
        // Join only once every local API answers: peers route to a member as soon as they see it.
        localServices.forEach(Runnable::run);
        if (history != null) {
            history.start();
        }
        if (matching != null) {
            matching.start();
        }
        if (worker != null) {
            worker.start();
        }
        roles.stream().filter(r -> r != ServiceRole.FRONTEND).forEach(internalHealth::serving);
        if (roles.contains(ServiceRole.FRONTEND)) {
            MeterRegistry fm = services.of(ServiceRole.FRONTEND.configName());
            Jdbc fj = new Jdbc(temporalDs, fm);
            frontend = track(new FrontendService(new PostgresNamespaceStore(fj),
                    new PostgresClusterMetadataStore(fj), config.clusterName(), config.namespaceRefreshInterval(),
                    client(cluster.historyChannel(), fm, ServiceRole.HISTORY),
                    client(cluster.matchingChannel(), fm, ServiceRole.MATCHING), clock, fm));
            frontend.workerChannel(client(cluster.workerChannel(), fm, ServiceRole.WORKER));
            frontend.nexusEndpoints(new io.kairos.persistence.nexus.PostgresNexusEndpointStore(fj));
            frontend.visibility(visibilityStore.via(new Jdbc(visibilityDs, fm, VISIBILITY_METRICS)));
            frontend.authorization(config.authorization());
            frontend.archival(archives);
            frontend.taskQueueOwners((ns, queue, type) -> cluster.queueOwnerForDisplay(ns.toString(), queue, type));
            frontend.namespaces().ensureSystemNamespace();
            for (var ns : config.namespaces()) {
                frontend.namespaces().ensureNamespace(io.kairos.common.ids.NamespaceId.random(), ns.name(), "",
                        "", ns.retention().toSeconds());
            }
            frontend.start();
            ServiceEndpoint ep = config.endpoint(ServiceRole.FRONTEND);
            frontendServer = startNetworkServer("frontend", ep, frontend.services(), null, tls.frontendServer());
            String frontendAddress = advertised(ep, frontendServer.getPort());
            cluster.register(ServiceRole.FRONTEND, frontendAddress);
            cluster.displayLocalAs(frontendAddress);
        }
        metrics.listen(metricsBindAddress(config, roles), config.metricsPort(),
                () -> internalHealth.allServing() && (frontend == null || frontend.isReady()));
        metricsPort = metrics.port();
    }

    /** The calls {@code caller}'s service makes over {@code channel}, counted as Temporal's client_* metrics. */
    private static Channel client(Channel channel, MeterRegistry caller, ServiceRole callee) {
        return ClientInterceptors.intercept(channel, new ClientRequestMetrics(caller, callee.configName()));
    }

    /** A service's internal APIs with Temporal's service_* metrics, one interceptor for all of them. */
    private static List<ServerServiceDefinition> instrumented(List<ServerServiceDefinition> defs, MeterRegistry m,
                                                              java.util.function.Function<String, String> names) {
        ServiceRequestMetrics interceptor = new ServiceRequestMetrics(m, names);
        return defs.stream().map(d -> ServerInterceptors.intercept(d, interceptor)).toList();
    }

    /**
     * Where peers reach an internal service: in dev mode a name only this process resolves (its in-process channel);
     * otherwise the network server opened here, with gRPC health for probes (services are added to {@code registry}
     * once built).
     */
    private String internalAddress(ServiceRole role, ServerConfig config, boolean dev, String inProcessName,
                                   MutableHandlerRegistry registry) throws IOException {
        if (dev) {
            return ClusterWiring.IN_PROCESS_PREFIX + inProcessName + "/" + role.configName();
        }
        ServiceEndpoint ep = config.endpoint(role);
        Server s = startNetworkServer(role.configName(), ep, List.of(internalHealth.service(role)), registry,
                tls.internodeServer());
        return advertised(ep, s.getPort());
    }

    /**
     * The address peers dial: services.&lt;svc&gt;.address when set, else the bind address, else (bound to every
     * interface) this host's address as its name resolves; Kubernetes resolves a pod's name to its IP.
     */
    static String advertised(ServiceEndpoint ep, int port) {
        if (ep.address() != null && !ep.address().isBlank()) {
            return ep.address();
        }
        String host = ep.bindAddress();
        if (host == null || host.isBlank() || host.equals("0.0.0.0") || host.equals("::")) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostAddress();
            } catch (IOException e) {
                host = "127.0.0.1";
            }
        }
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]:" + port : host + ":" + port;
    }

    /** @param ssl the listener's TLS, null for plaintext; health and reflection share the port, so they share it */
    private Server startNetworkServer(String name, ServiceEndpoint ep, List<ServerServiceDefinition> services,
                                      MutableHandlerRegistry registry, SslContext ssl) throws IOException {
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(ep.bindAddress(), ep.port()))
                .executor(rpcExecutor)
                // The frontend refuses over 4 MiB itself, with the text the SDKs recognise (RequestGuard).
                .maxInboundMessageSize(name.equals("frontend") ? io.kairos.frontend.grpc.RequestGuard.TRANSPORT_LIMIT
                        : 4 * 1024 * 1024)
                // gRPC-Java's 8 KiB header limit is below what a JWT with many permissions needs (Temporal's is 16 MiB).
                .maxInboundMetadataSize(256 * 1024)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
        if (ssl != null) {
            b.sslContext(ssl);
        }
        services.forEach(b::addService);
        if (registry != null) {
            b.fallbackHandlerRegistry(registry);
        }
        Server server;
        try {
            server = b.build().start();
        } catch (IOException e) {
            throw new IOException("cannot listen for " + name + " on " + ep.bindAddress() + ":" + ep.port() + ": "
                    + e.getMessage(), e);
        }
        closeables.push(() -> stopServer(server));
        log.debug("component=server msg=\"listening\" service={} address={}:{} tls={}", name, ep.bindAddress(),
                server.getPort(), ssl != null);
        return server;
    }

    private static void stopServer(Server s) throws InterruptedException {
        s.shutdown();
        if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
            s.shutdownNow();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        closeables.push(c);
        return c;
    }

    /** Another process runs this service: there is someone to hand over to. */
    private boolean hasPeers(ServiceRole role) {
        var v = cluster.membership().view();
        String self = v.selfAddress(role);
        return v.addresses(role).stream().anyMatch(a -> !a.equals(self));
    }

    /** Blocks until the frontend reports SERVING or the timeout passes. */
    public boolean awaitReady(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (frontend != null && !frontend.isReady()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** The metrics port, or -1 when metrics are not served. */
    public int metricsPort() {
        return metricsPort;
    }

    /** Metrics listen where the process's first service listens. */
    private static String metricsBindAddress(ServerConfig config, Set<ServiceRole> roles) {
        return config.endpoint(roles.iterator().next()).bindAddress();
    }

    /** The port the frontend listens on (resolves port 0). */
    public int frontendPort() {
        return frontendServer == null ? -1 : frontendServer.getPort();
    }

    /**
     * Graceful stop (SIGTERM): fails the internal ports' readiness, leaves the membership and keeps serving while
     * peers' views converge, hands the shards over (the peers acquire them), then stops everything in reverse start
     * order; stopping matching fails its waiting polls as "moved", so frontends re-poll the new owners. Without peers
     * (dev mode) it just stops.
     */
    @Override
    public void close() {
        internalHealth.stopping();
        boolean historyPeers = history != null && hasPeers(ServiceRole.HISTORY);
        if (historyPeers || (matching != null && hasPeers(ServiceRole.MATCHING))) {
            Duration beat = cluster.membership().config().heartbeatInterval();
            cluster.membership().leave(beat.multipliedBy(2).plusMillis(250));
            if (historyPeers) {
                history.handOver(cluster.membership().config().ttl().multipliedBy(2));
            }
        }
        if (frontend != null) {
            frontend.close();
        }
        internalHealth.close();
        while (!closeables.isEmpty()) {
            AutoCloseable c = closeables.pop();
            try {
                c.close();
            } catch (Exception e) {
                log.warn("component=server msg=\"error during shutdown\" error=\"{}\"", e.toString());
            }
        }
        rpcExecutor.shutdownNow();
    }
}
