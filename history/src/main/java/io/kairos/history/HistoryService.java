package io.kairos.history;

import io.grpc.ServerServiceDefinition;
import io.kairos.history.shard.ShardController;
import io.kairos.persistence.shard.ShardStore;

import java.time.Clock;
import java.util.List;

/** The history service of one process: acquires its shards, then serves the internal HistoryService API. */
public final class HistoryService implements AutoCloseable {
    private final ShardController shards;
    private final HistoryServiceHandler handler;

    public HistoryService(ShardStore shardStore, int shardCount, String hostIdentity, Clock clock) {
        this.shards = new ShardController(shardStore, shardCount, hostIdentity);
        this.handler = new HistoryServiceHandler(shards, clock.instant());
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
        shards.releaseAll();
    }
}
