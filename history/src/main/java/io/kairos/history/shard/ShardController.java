package io.kairos.history.shard;

import io.kairos.common.ids.ShardId;
import io.kairos.persistence.shard.ShardStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
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
    private final int shardCount;
    private final String hostIdentity;
    private final Map<ShardId, Long> owned = Collections.synchronizedMap(new TreeMap<>(
            (a, b) -> Integer.compare(a.value(), b.value())));

    public ShardController(ShardStore store, int shardCount, String hostIdentity) {
        this.store = store;
        this.shardCount = shardCount;
        this.hostIdentity = hostIdentity;
    }

    public void acquireAll() {
        for (int i = 1; i <= shardCount; i++) {
            ShardId shard = new ShardId(i);
            long rangeId = store.acquire(shard, hostIdentity);
            owned.put(shard, rangeId);
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
        synchronized (owned) {
            return Map.copyOf(owned);
        }
    }

    public void releaseAll() {
        owned.clear();
    }
}
