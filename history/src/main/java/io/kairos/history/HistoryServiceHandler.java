package io.kairos.history;

import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.kairos.history.shard.ShardController;
import io.kairos.proto.history.v1.DescribeHistoryHostRequest;
import io.kairos.proto.history.v1.DescribeHistoryHostResponse;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.proto.history.v1.ShardStatus;

import java.time.Instant;
import java.util.Comparator;

/** Internal HistoryService API. */
public final class HistoryServiceHandler extends HistoryServiceGrpc.HistoryServiceImplBase {
    private final ShardController shards;
    private final Instant startedAt;

    public HistoryServiceHandler(ShardController shards, Instant startedAt) {
        this.shards = shards;
        this.startedAt = startedAt;
    }

    @Override
    public void describeHistoryHost(DescribeHistoryHostRequest request, StreamObserver<DescribeHistoryHostResponse> observer) {
        var owned = shards.ownedShards();
        if (owned.isEmpty()) {
            observer.onError(Status.UNAVAILABLE.withDescription("history host owns no shards yet").asRuntimeException());
            return;
        }
        DescribeHistoryHostResponse.Builder b = DescribeHistoryHostResponse.newBuilder()
                .setHostIdentity(shards.hostIdentity())
                .setHistoryShardCount(shards.shardCount())
                .setStartedTime(Timestamps.fromMillis(startedAt.toEpochMilli()));
        owned.entrySet().stream()
                .sorted(Comparator.comparingInt(e -> e.getKey().value()))
                .forEach(e -> b.addOwnedShards(ShardStatus.newBuilder().setShardId(e.getKey().value()).setRangeId(e.getValue())));
        observer.onNext(b.build());
        observer.onCompleted();
    }
}
