package io.kairos.history.shard;

import io.kairos.common.ids.ShardId;
import io.kairos.persistence.shard.ShardStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.TreeMap;

/**
 * Owns history shards for this host. Acquiring a shard bumps its range_id in Postgres; every later write
 * of that shard checks the range_id, so a host that lost the shard cannot write to it any more.
 * With one history host (dev mode, or a single replica) this host owns every shard.
 */
public final class ShardController {
    private static final Logger log = LoggerFactory.getLogger(ShardController.class);

    private final ShardStore store;
    private final io.kairos.persistence.execution.ExecutionStore executions;
    private final int shardCount;
    private final String hostIdentity;
    private final Map<ShardId, ShardContext> owned = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.List<java.util.function.Consumer<ShardContext>> onAcquired = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ShardController(ShardStore store, io.kairos.persistence.execution.ExecutionStore executions, int shardCount,
                           String hostIdentity) {
        this.store = store;
        this.executions = executions;
        this.shardCount = shardCount;
        this.hostIdentity = hostIdentity;
    }

    public void acquireAll() {
        for (int i = 1; i <= shardCount; i++) {
            ShardId shard = new ShardId(i);
            long rangeId = store.acquire(shard, hostIdentity);
            ShardContext ctx = new ShardContext(shard, rangeId, store, new GroupCommitter(executions));
            owned.put(shard, ctx);
            onAcquired.forEach(l -> l.accept(ctx));
        }
        log.debug("component=history msg=\"acquired shards\" count={} host={}", shardCount, hostIdentity);
    }

    public int shardCount() {
        return shardCount;
    }

    public String hostIdentity() {
        return hostIdentity;
    }

    /** Shard id to the range_id this host holds. */
    public Map<ShardId, Long> ownedShards() {
        Map<ShardId, Long> out = new TreeMap<>((a, b) -> Integer.compare(a.value(), b.value()));
        owned.forEach((id, ctx) -> out.put(id, ctx.rangeId()));
        return out;
    }

    /** Runs for every shard this host acquires (queue processors start this way). */
    public void onShardAcquired(java.util.function.Consumer<ShardContext> listener) {
        onAcquired.add(listener);
    }

    /**
     * The owned shard of a workflow.
     *
     * @throws io.kairos.persistence.sql.ShardOwnershipLostException when this host does not own it
     */
    public ShardContext contextFor(io.kairos.common.ids.NamespaceId namespaceId, String workflowId) {
        ShardId id = io.kairos.common.ids.ShardMapper.shardFor(namespaceId, workflowId, shardCount);
        ShardContext ctx = owned.get(id);
        if (ctx == null) {
            throw new io.kairos.persistence.sql.ShardOwnershipLostException(id.value(), -1, -1);
        }
        return ctx;
    }

    public void releaseAll() {
        owned.clear();
    }
}
