package io.kairos.frontend.workflow;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.grpc.ErrorMapper;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.NexusTaskToken;
import io.kairos.common.validation.RequestValidation;
import io.kairos.frontend.namespace.NamespaceResolver;
import io.kairos.proto.matching.v1.MatchingServiceGrpc;
import io.kairos.proto.matching.v1.RespondNexusTaskRequest;
import io.temporal.api.workflowservice.v1.PollNexusTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollNexusTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RespondNexusTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondNexusTaskCompletedResponse;
import io.temporal.api.workflowservice.v1.RespondNexusTaskFailedRequest;
import io.temporal.api.workflowservice.v1.RespondNexusTaskFailedResponse;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * The worker side of Nexus: PollNexusTaskQueue hands out the Nexus requests matching holds for the queue, and
 * RespondNexusTaskCompleted / RespondNexusTaskFailed deliver the handler's answer to the matching task its token
 * names, with the checks of Temporal's frontend.
 */
public final class NexusTaskHandler {
    /** Temporal's component.nexusoperations.limit.operation.token.length default. */
    static final int MAX_OPERATION_TOKEN_LENGTH = 4096;

    private final NamespaceResolver namespaces;
    private final MatchingServiceGrpc.MatchingServiceStub matchingAsync;
    private final MatchingServiceGrpc.MatchingServiceBlockingStub matching;

    NexusTaskHandler(NamespaceResolver namespaces, MatchingServiceGrpc.MatchingServiceStub matchingAsync,
                     MatchingServiceGrpc.MatchingServiceBlockingStub matching) {
        this.namespaces = namespaces;
        this.matchingAsync = matchingAsync;
        this.matching = matching;
    }

    public void poll(PollNexusTaskQueueRequest req, StreamObserver<PollNexusTaskQueueResponse> out) {
        String rpc = "PollNexusTaskQueue";
        NamespaceId ns;
        try {
            RequestValidation.requireIdentityWithinLimit(req.getIdentity());
            RequestValidation.requireTaskQueue(req.getTaskQueue());
            ns = namespaces.forExistingWork(req.getNamespace());
        } catch (RuntimeException e) {
            out.onError(ErrorMapper.toStatus(rpc, e));
            return;
        }
        matchingAsync.pollNexusTaskQueue(io.kairos.proto.matching.v1.PollNexusTaskQueueRequest.newBuilder()
                        .setNamespaceId(ns.toString()).setRequest(req.toBuilder().clearWorkerHeartbeat()).build(),
                TaskHandler.forward(rpc, out, UnaryOperator.identity()));
    }

    public RespondNexusTaskCompletedResponse completed(RespondNexusTaskCompletedRequest req) {
        var start = req.getResponse().getStartOperation();
        if (start.hasAsyncSuccess()) {
            var async = start.getAsyncSuccess();
            @SuppressWarnings("deprecation") // old SDKs still send the operation id
            String token = async.getOperationToken().isEmpty() ? async.getOperationId() : async.getOperationToken();
            if (token.isEmpty()) {
                throw new InvalidArgumentException("missing opration token in response"); // sic, Temporal's text
            }
            int length = token.getBytes(StandardCharsets.UTF_8).length;
            if (length > MAX_OPERATION_TOKEN_LENGTH) {
                throw new InvalidArgumentException("operation token length exceeds allowed limit ("
                        + length + "/" + MAX_OPERATION_TOKEN_LENGTH + ")");
            }
        }
        NexusTaskToken token = token(req.getTaskToken(), req.getNamespace());
        @SuppressWarnings("deprecation") // checked for older SDKs, as Temporal does
        boolean badDetails = start.hasOperationError() && !isJson(start.getOperationError().getFailure().getDetails());
        if (badDetails) {
            throw new InvalidArgumentException("failure details must be JSON serializable");
        }
        matching.respondNexusTask(request(token).setResponse(req.getResponse()).build());
        return RespondNexusTaskCompletedResponse.getDefaultInstance();
    }

    @SuppressWarnings("deprecation") // the handler error is what workers send without temporal_failure_responses
    public RespondNexusTaskFailedResponse failed(RespondNexusTaskFailedRequest req) {
        NexusTaskToken token = token(req.getTaskToken(), req.getNamespace());
        if (!req.hasError() && !req.hasFailure()) {
            throw new InvalidArgumentException("request must contain error or failure");
        }
        if (req.hasError() && !isJson(req.getError().getFailure().getDetails())) {
            throw new InvalidArgumentException("failure details must be JSON serializable");
        }
        if (req.hasFailure() && !req.getFailure().hasNexusHandlerFailureInfo()) {
            throw new InvalidArgumentException(
                    "request Failure must contain error or failure with NexusHandlerFailureInfo");
        }
        // as Temporal's matching: the deprecated error wins when both are set
        RespondNexusTaskRequest.Builder answer = request(token);
        if (req.hasError()) {
            answer.setHandlerError(req.getError());
        } else {
            answer.setFailure(req.getFailure());
        }
        matching.respondNexusTask(answer.build());
        return RespondNexusTaskFailedResponse.getDefaultInstance();
    }

    /** The token's task, in the request's namespace (a token from another namespace is refused). */
    private NexusTaskToken token(ByteString bytes, String namespace) {
        NexusTaskToken token;
        try {
            token = NexusTaskToken.parse(bytes);
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("Error deserializing task token. Error: " + e.getMessage());
        }
        if (!token.isComplete()) {
            throw new InvalidArgumentException("Invalid TaskToken.");
        }
        NamespaceId ns = namespaces.forExistingWork(namespace);
        if (!token.namespaceId().equals(ns)) {
            throw new InvalidArgumentException("Operation requested with a token from a different namespace.");
        }
        return token;
    }

    private static RespondNexusTaskRequest.Builder request(NexusTaskToken token) {
        return RespondNexusTaskRequest.newBuilder().setNamespaceId(token.namespaceId().toString())
                .setTaskQueue(token.taskQueue()).setNexusTaskId(token.taskId());
    }

    /** Go's json.Valid: one strict JSON value and nothing after it. Absent details are fine. */
    static boolean isJson(ByteString bytes) {
        if (bytes.isEmpty()) {
            return true;
        }
        try (Reader r = new InputStreamReader(bytes.newInput(), StandardCharsets.UTF_8);
             JsonReader json = new JsonReader(r)) {
            json.setStrictness(Strictness.STRICT);
            json.skipValue();
            return json.peek() == JsonToken.END_DOCUMENT;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            return false;
        }
    }
}
