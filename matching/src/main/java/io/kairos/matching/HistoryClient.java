package io.kairos.matching;

import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import io.kairos.proto.history.v1.GetQueryTaskPollResponseRequest;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.proto.history.v1.RecordActivityTaskStartedRequest;
import io.kairos.proto.history.v1.RecordWorkflowTaskStartedRequest;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/** Matching's calls to history: Record*TaskStarted, asynchronously, so no thread waits on them. */
final class HistoryClient {
    private final HistoryServiceGrpc.HistoryServiceStub stub;
    private final Duration callTimeout;

    HistoryClient(Channel channel, Duration callTimeout) {
        this.stub = HistoryServiceGrpc.newStub(channel);
        this.callTimeout = callTimeout;
    }

    CompletableFuture<PollWorkflowTaskQueueResponse> recordWorkflowTaskStarted(RecordWorkflowTaskStartedRequest request) {
        return call(request, (r, o) -> deadlined().recordWorkflowTaskStarted(r, o));
    }

    CompletableFuture<PollActivityTaskQueueResponse> recordActivityTaskStarted(RecordActivityTaskStartedRequest request) {
        return call(request, (r, o) -> deadlined().recordActivityTaskStarted(r, o));
    }

    CompletableFuture<PollWorkflowTaskQueueResponse> getQueryTaskPollResponse(GetQueryTaskPollResponseRequest request) {
        return call(request, (r, o) -> deadlined().getQueryTaskPollResponse(r, o));
    }

    private HistoryServiceGrpc.HistoryServiceStub deadlined() {
        return stub.withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Runs the call outside the caller's gRPC context: a sync match starts inside an AddWorkflowTask call and
     * must not inherit that call's deadline or cancellation, nor a poll's.
     */
    private static <Q, A> CompletableFuture<A> call(Q request, BiConsumer<Q, StreamObserver<A>> method) {
        CompletableFuture<A> result = new CompletableFuture<>();
        StreamObserver<A> observer = new StreamObserver<>() {
            @Override
            public void onNext(A value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                if (!result.isDone()) {
                    result.completeExceptionally(new IllegalStateException("history answered no response"));
                }
            }
        };
        Context.ROOT.run(() -> method.accept(request, observer));
        return result;
    }
}
