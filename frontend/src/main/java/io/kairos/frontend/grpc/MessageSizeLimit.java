package io.kairos.frontend.grpc;

import com.google.protobuf.MessageLite;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * The frontend's 4 MiB request limit, refused with Go gRPC's RESOURCE_EXHAUSTED text ("grpc: received message larger
 * than max (N vs. M)"): the SDKs recognise a too-large message by that text only (and then fail instead of retrying,
 * or fail the workflow task with GRPC_MESSAGE_TOO_LARGE). gRPC-Java's own transport refusal reads differently, so
 * the transport admits more ({@link #TRANSPORT_LIMIT}) and this interceptor enforces the limit.
 */
public final class MessageSizeLimit implements ServerInterceptor {
    public static final int LIMIT = 4 * 1024 * 1024;
    /** Above this the transport refuses with gRPC-Java's text: memory matters more than the wording there. */
    public static final int TRANSPORT_LIMIT = 64 * 1024 * 1024;

    private final int limit;

    public MessageSizeLimit(int limit) {
        this.limit = limit;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            private boolean refused;

            @Override
            public void onMessage(Q message) {
                int size = message instanceof MessageLite m ? m.getSerializedSize() : 0;
                if (!refused && size > limit) {
                    refused = true;
                    call.close(Status.RESOURCE_EXHAUSTED.withDescription(
                            "grpc: received message larger than max (" + size + " vs. " + limit + ")"), new Metadata());
                    return;
                }
                if (!refused) {
                    super.onMessage(message);
                }
            }

            @Override
            public void onHalfClose() {
                if (!refused) { // a unary handler would answer "no request" on a call already closed
                    super.onHalfClose();
                }
            }

            @Override
            public void onReady() {
                if (!refused) {
                    super.onReady();
                }
            }
        };
    }
}
