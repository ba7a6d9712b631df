package io.kairos.server;

import com.zaxxer.hikari.HikariDataSource;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.kairos.common.config.ServerConfig;
import io.kairos.common.config.ServiceEndpoint;
import io.kairos.common.config.ServiceRole;
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
import io.kairos.worker.WorkerService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
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

    /** Extra namespaces to create at start (dev mode's "default"). */
    public record BootstrapNamespace(String name, long retentionSeconds) {
    }

    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private final ExecutorService rpcExecutor = Executors.newVirtualThreadPerTaskExecutor();
    private FrontendService frontend;
    private Server frontendServer;
    private int metricsPort = -1;

    private KairosServer() {
    }

    /**
     * @param exposeInternalPorts open history/matching network ports (production mode); dev mode keeps them in-process
     */
    public static KairosServer start(ServerConfig config, Set<ServiceRole> roles, boolean exposeInternalPorts,
                                     List<BootstrapNamespace> bootstrap) throws IOException {
        KairosServer s = new KairosServer();
        try {
            s.doStart(config, roles, exposeInternalPorts, bootstrap);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void doStart(ServerConfig config, Set<ServiceRole> roles, boolean exposeInternalPorts,
                         List<BootstrapNamespace> bootstrap) throws IOException {
        Clock clock = Clock.systemUTC();
        MetricsEndpoint metrics = track(new MetricsEndpoint());
        HikariDataSource temporalDs = track(DataSources.create("temporal", config.temporalDb(), metrics.registry()));
        HikariDataSource visibilityDs = track(DataSources.create("visibility", config.visibilityDb(), metrics.registry()));
        new SchemaManager(SchemaDatabase.TEMPORAL, temporalDs).checkOrMigrate(config.autoMigrate());
        new SchemaManager(SchemaDatabase.VISIBILITY, visibilityDs).checkOrMigrate(config.autoMigrate());

        Jdbc jdbc = new Jdbc(temporalDs, metrics.registry());
        var visibilityStore = new io.kairos.persistence.visibility.PostgresVisibilityStore(
                new Jdbc(visibilityDs, metrics.registry()));
        var clusterStore = new PostgresClusterMetadataStore(jdbc);
        ClusterMetadata cluster = clusterStore.getOrCreate(config.clusterName(), config.historyShardCount());
        if (cluster.historyShardCount() != config.historyShardCount()) {
            log.warn("component=server msg=\"history shard count is fixed when the cluster is created; using the stored "
                    + "count\" stored={} configured={}", cluster.historyShardCount(), config.historyShardCount());
        }
        String hostIdentity = hostIdentity();
        String inProcessName = "kairos-" + UUID.randomUUID();
        List<ServerServiceDefinition> internal = new ArrayList<>();
        List<Runnable> starts = new ArrayList<>();

        // Channels are lazy: creating them before the in-process server starts is fine.
        ManagedChannel historyChannel = channelTo(ServiceRole.HISTORY, roles, config, inProcessName);
        ManagedChannel matchingChannel = channelTo(ServiceRole.MATCHING, roles, config, inProcessName);
        if (roles.contains(ServiceRole.HISTORY)) {
            PostgresShardStore shardStore = new PostgresShardStore(jdbc);
            HistoryService history = track(new HistoryService(shardStore, new PostgresExecutionStore(jdbc, shardStore),
                    new PostgresNamespaceStore(jdbc), visibilityStore, cluster.historyShardCount(), hostIdentity,
                    matchingChannel, clock));
            starts.add(history::start);
            internal.addAll(history.services());
            if (exposeInternalPorts) {
                startNetworkServer("history", config.endpoint(ServiceRole.HISTORY), history.services());
            }
        }
        if (roles.contains(ServiceRole.MATCHING)) {
            MatchingService matching = track(new MatchingService(hostIdentity, clock, jdbc, historyChannel,
                    MatchingConfig.defaults()));
            starts.add(matching::start);
            internal.addAll(matching.services());
            if (exposeInternalPorts) {
                startNetworkServer("matching", config.endpoint(ServiceRole.MATCHING), matching.services());
            }
        }
        if (roles.contains(ServiceRole.WORKER)) {
            track(new WorkerService()).start();
        }
        if (!internal.isEmpty()) {
            InProcessServerBuilder b = InProcessServerBuilder.forName(inProcessName).executor(rpcExecutor);
            internal.forEach(b::addService);
            Server inProcess = b.build().start();
            closeables.push(() -> stopServer(inProcess));
        }
        // Background work (shard queues calling matching, backlog loading) starts once every local API is up.
        starts.forEach(Runnable::run);
        if (roles.contains(ServiceRole.FRONTEND)) {
            frontend = track(new FrontendService(new PostgresNamespaceStore(jdbc), clusterStore, config.clusterName(),
                    config.namespaceRefreshInterval(), historyChannel, matchingChannel, clock, metrics.registry()));
            frontend.visibility(visibilityStore);
            frontend.namespaces().ensureSystemNamespace();
            for (BootstrapNamespace ns : bootstrap) {
                frontend.namespaces().ensureNamespace(io.kairos.common.ids.NamespaceId.random(), ns.name(), "",
                        "", ns.retentionSeconds());
            }
            frontend.start();
            frontendServer = startNetworkServer("frontend", config.endpoint(ServiceRole.FRONTEND), frontend.services());
        }
        metrics.listen(metricsBindAddress(config, roles), config.metricsPort());
        metricsPort = metrics.port();
    }

    private ManagedChannel channelTo(ServiceRole role, Set<ServiceRole> local, ServerConfig config, String inProcessName) {
        ManagedChannel ch = local.contains(role)
                // Client callbacks only complete futures and hand answers on (nothing blocks in them), so they run
                // on the thread that answers instead of a hand-off to gRPC's cached thread pool per callback.
                ? InProcessChannelBuilder.forName(inProcessName).directExecutor().build()
                : NettyChannelBuilder.forTarget(config.endpoint(role).target()).usePlaintext().build();
        closeables.push(() -> {
            ch.shutdown();
            ch.awaitTermination(5, TimeUnit.SECONDS);
        });
        return ch;
    }

    private Server startNetworkServer(String name, ServiceEndpoint ep, List<ServerServiceDefinition> services) throws IOException {
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(ep.bindAddress(), ep.port()))
                .executor(rpcExecutor)
                .maxInboundMessageSize(4 * 1024 * 1024)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
        services.forEach(b::addService);
        Server server;
        try {
            server = b.build().start();
        } catch (IOException e) {
            throw new IOException("cannot listen for " + name + " on " + ep.bindAddress() + ":" + ep.port() + ": "
                    + e.getMessage(), e);
        }
        closeables.push(() -> stopServer(server));
        log.debug("component=server msg=\"listening\" service={} address={}:{}", name, ep.bindAddress(), server.getPort());
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

    private static String hostIdentity() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return host + ":" + ProcessHandle.current().pid();
    }

    /** Stops everything in reverse start order: servers first, then services, then pools. */
    @Override
    public void close() {
        if (frontend != null) {
            frontend.close();
        }
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
