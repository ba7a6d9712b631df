package io.kairos.common.grpc;

import io.grpc.stub.StreamObserver;

import java.util.function.Supplier;

/**
 * Runs a unary handler body and completes the call, mapping any exception through {@link ErrorMapper}.
 * The gRPC server runs handlers on virtual threads, so bodies may block on JDBC.
 */
public final class UnaryCalls {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(UnaryCalls.class);

    private UnaryCalls() {
    }

    public static <T> void respond(String method, StreamObserver<T> observer, Supplier<T> body) {
        T response;
        try {
            response = body.get();
        } catch (Throwable t) {
            var status = ErrorMapper.toStatus(method, t);
            log.debug("rpc={} outcome={} msg=\"{}\"", method, status.getStatus().getCode(), status.getStatus().getDescription());
            observer.onError(status);
            return;
        }
        observer.onNext(response);
        observer.onCompleted();
    }
}
