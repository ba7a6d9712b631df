package io.kairos.server;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.kairos.common.config.ServiceRole;
import io.kairos.common.ids.ShardId;
import io.kairos.history.shard.ShardController;
import io.kairos.membership.Membership;
import io.kairos.membership.MembershipConfig;
import io.kairos.membership.MembershipView;
import io.kairos.membership.QueueOwnership;
import io.kairos.membership.ShardOwnership;
import io.kairos.membership.routing.ChannelPool;
import io.kairos.membership.routing.HistoryRoutes;
import io.kairos.membership.routing.MatchingRoutes;
import io.kairos.membership.routing.RoutingChannel;
import io.kairos.membership.routing.WorkerRoutes;
import io.kairos.membership.WorkerBuckets;
import io.kairos.persistence.matching.TaskQueueKey;
import io.kairos.persistence.membership.MembershipStore;
import io.kairos.server.tls.TlsContexts;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * How this process finds its peers: its {@link Membership}, the hashing of shards and task queues over the live
 * members, and the routing channels every internal call goes through (to a local service over its in-process channel,
 * to a peer over the network). A process of any subset of services is wired the same way.
 */
final class ClusterWiring implements AutoCloseable {
    /** Calls without a deadline of their own follow a moved shard or queue this long. */
    private static final Duration RETRY_WITHOUT_DEADLINE = Duration.ofSeconds(30);
    /** Addresses of services only this process can reach (dev mode). */
    static final String IN_PROCESS_PREFIX = "inproc:";

    private final Membership membership;
    private final ChannelPool pool;
    private final ShardOwnership shards;
    private final QueueOwnership queues;
    private final RoutingChannel historyChannel;
    private final RoutingChannel matchingChannel;
    private final WorkerBuckets workerBuckets;
    private final RoutingChannel workerChannel;
    private final List<Consumer<MembershipView>> onChange = new ArrayList<>();

    ClusterWiring(MembershipStore store, MembershipConfig config, boolean exclusive, int shardCount, MeterRegistry metrics,
                  TlsContexts tls) {
        this.membership = new Membership(store, config, List.of(), exclusive, metrics);
        this.pool = new ChannelPool(address -> dial(tls, address));
        this.shards = new ShardOwnership(membership::view, shardCount);
        this.queues = QueueOwnership.of(membership);
        this.historyChannel = new RoutingChannel("history", new HistoryRoutes(membership::view, shards), pool,
                RETRY_WITHOUT_DEADLINE);
        this.matchingChannel = new RoutingChannel("matching", new MatchingRoutes(membership::view, queues), pool,
                RETRY_WITHOUT_DEADLINE);
        this.workerBuckets = WorkerBuckets.of(membership);
        this.workerChannel = new RoutingChannel("worker", new WorkerRoutes(membership::view, workerBuckets), pool,
                RETRY_WITHOUT_DEADLINE);
    }

    /** A peer's internal port, over internode TLS when configured. */
    private static ManagedChannel dial(TlsContexts tls, String address) {
        return tls.peerChannel(address)
                .keepAliveTime(30, TimeUnit.SECONDS).keepAliveTimeout(10, TimeUnit.SECONDS)
                .maxInboundMessageSize(4 * 1024 * 1024).build();
    }

    /** A service of this process: calls to its address stay in the process. */
    void local(ServiceRole role, String address, Channel inProcess) {
        pool.local(address, inProcess);
        membership.register(new Membership.Service(role, address));
    }

    /** Registers a service whose address nobody dials through the pool (frontend, worker). */
    void register(ServiceRole role, String address) {
        membership.register(new Membership.Service(role, address));
    }

    /** Runs on every membership change, after the channel pool dropped departed peers. */
    void onChange(Consumer<MembershipView> listener) {
        onChange.add(listener);
    }

    /** Starts heartbeating with no service registered yet; services join as they are wired. */
    void start() {
        membership.addListener(view -> {
            List<String> live = new ArrayList<>();
            for (ServiceRole r : ServiceRole.values()) {
                live.addAll(view.addresses(r));
            }
            pool.retain(live);
            onChange.forEach(l -> l.accept(view));
        });
        membership.start();
    }

    Membership membership() {
        return membership;
    }

    Channel historyChannel() {
        return historyChannel;
    }

    Channel matchingChannel() {
        return matchingChannel;
    }

    Channel workerChannel() {
        return workerChannel;
    }

    /** Where schedules and batch jobs run: the buckets placed on each live worker. */
    WorkerBuckets workerBuckets() {
        return workerBuckets;
    }

    /** The shards the history service at {@code address} should own, per this process's view. */
    ShardController.Placement placement(String address) {
        return new ShardController.Placement() {
            @Override
            public Set<ShardId> desired() {
                MembershipView v = membership.view();
                return v.selfLive(ServiceRole.HISTORY) ? shards.ownedBy(v, address) : Set.of();
            }

            @Override
            public String ownerOf(ShardId shard) {
                return shards.ownerOf(shard);
            }
        };
    }

    /** For the matching service at {@code address}: the owner of a queue when it is another host. */
    Function<TaskQueueKey, String> queueOwnerElsewhere(String address) {
        return key -> {
            String owner = queues.ownerOf(key.namespaceId().toString(), key.name(), key.type());
            return owner == null || owner.equals(address) ? null : owner;
        };
    }

    private volatile String displayForLocal = "";

    /** What an in-process service's address shows as to users (dev mode: the frontend's host:port). */
    void displayLocalAs(String address) {
        this.displayForLocal = address;
    }

    /** The owner of a task queue as users see it (ListTaskQueuePartitions); empty when no matching host is live. */
    String queueOwnerForDisplay(String namespaceId, String queue, io.temporal.api.enums.v1.TaskQueueType type) {
        String owner = queues.ownerOf(namespaceId, queue, type);
        if (owner == null) {
            return "";
        }
        return owner.startsWith(IN_PROCESS_PREFIX) ? displayForLocal : owner;
    }

    @Override
    public void close() {
        membership.close();
        pool.close();
    }
}
