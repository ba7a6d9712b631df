package io.kairos.matching;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.kairos.proto.history.v1.GetQueryTaskPollResponseRequest;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.proto.history.v1.RecordActivityTaskStartedRequest;
import io.kairos.proto.history.v1.RecordWorkflowTaskStartedRequest;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * History's Record*TaskStarted as a test wants it: records every call and answers from a script of outcomes
 * (success when the script is empty). A held gate delays answers until released.
 */
final class FakeHistory extends HistoryServiceGrpc.HistoryServiceImplBase {
    enum Answer { STARTED, NOT_FOUND, UNAVAILABLE }

    final List<RecordWorkflowTaskStartedRequest> workflowCalls = new CopyOnWriteArrayList<>();
    final List<RecordActivityTaskStartedRequest> activityCalls = new CopyOnWriteArrayList<>();
    final List<GetQueryTaskPollResponseRequest> queryCalls = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedDeque<Answer> script = new ConcurrentLinkedDeque<>();
    private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

    void thenAnswer(Answer... answers) {
        script.addAll(List.of(answers));
    }

    /** Answers wait until {@link #release()}. */
    void hold() {
        gate = new CompletableFuture<>();
    }

    void release() {
        gate.complete(null);
    }

    static ByteString token(String workflowId, long scheduledEventId) {
        return ByteString.copyFromUtf8(workflowId + "/" + scheduledEventId);
    }

    @Override
    public void recordWorkflowTaskStarted(RecordWorkflowTaskStartedRequest request,
                                          StreamObserver<PollWorkflowTaskQueueResponse> observer) {
        workflowCalls.add(request);
        answer(observer, PollWorkflowTaskQueueResponse.newBuilder()
                .setTaskToken(token(request.getExecution().getWorkflowId(), request.getScheduledEventId()))
                .setWorkflowExecution(request.getExecution())
                .build());
    }

    @Override
    public void getQueryTaskPollResponse(GetQueryTaskPollResponseRequest request,
                                         StreamObserver<PollWorkflowTaskQueueResponse> observer) {
        queryCalls.add(request);
        answer(observer, PollWorkflowTaskQueueResponse.newBuilder()
                .setWorkflowExecution(request.getExecution())
                .setWorkflowType(io.temporal.api.common.v1.WorkflowType.newBuilder().setName("QueriedWorkflow"))
                .build());
    }

    @Override
    public void recordActivityTaskStarted(RecordActivityTaskStartedRequest request,
                                          StreamObserver<PollActivityTaskQueueResponse> observer) {
        activityCalls.add(request);
        answer(observer, PollActivityTaskQueueResponse.newBuilder()
                .setTaskToken(token(request.getExecution().getWorkflowId(), request.getScheduledEventId()))
                .setWorkflowExecution(request.getExecution())
                .setAttempt(request.getAttempt())
                .build());
    }

    private <T> void answer(StreamObserver<T> observer, T response) {
        Answer a = script.poll();
        Answer answer = a == null ? Answer.STARTED : a;
        gate.thenRun(() -> {
            switch (answer) {
                case STARTED -> {
                    observer.onNext(response);
                    observer.onCompleted();
                }
                case NOT_FOUND -> observer.onError(Status.NOT_FOUND.withDescription("task already started")
                        .asRuntimeException());
                case UNAVAILABLE -> observer.onError(Status.UNAVAILABLE.withDescription("shard moving")
                        .asRuntimeException());
            }
        });
    }
}
