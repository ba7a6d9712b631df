package io.kairos.matching;

import com.google.protobuf.util.Timestamps;
import io.grpc.stub.StreamObserver;
import io.kairos.proto.matching.v1.DescribeMatchingHostRequest;
import io.kairos.proto.matching.v1.DescribeMatchingHostResponse;
import io.kairos.proto.matching.v1.MatchingServiceGrpc;

import java.time.Instant;

/** Internal MatchingService API; task-queue RPCs arrive with the engine issue. */
public final class MatchingServiceHandler extends MatchingServiceGrpc.MatchingServiceImplBase {
    private final String hostIdentity;
    private final Instant startedAt;

    public MatchingServiceHandler(String hostIdentity, Instant startedAt) {
        this.hostIdentity = hostIdentity;
        this.startedAt = startedAt;
    }

    @Override
    public void describeMatchingHost(DescribeMatchingHostRequest request, StreamObserver<DescribeMatchingHostResponse> observer) {
        observer.onNext(DescribeMatchingHostResponse.newBuilder()
                .setHostIdentity(hostIdentity)
                .setLoadedTaskQueues(0)
                .setStartedTime(Timestamps.fromMillis(startedAt.toEpochMilli()))
                .build());
        observer.onCompleted();
    }
}
