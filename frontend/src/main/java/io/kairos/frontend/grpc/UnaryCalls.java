package io.kairos.frontend.grpc;

import io.grpc.stub.StreamObserver;

import java.util.function.Supplier;

/**
 * Runs a unary handler body and completes the call, mapping any exception through {@link ErrorMapper}.
 * The gRPC server runs handlers on virtual threads, so bodies may block on JDBC.
 */
public final class UnaryCalls {
    private UnaryCalls() {
    }

    public static <T> void respond(String method, StreamObserver<T> observer, Supplier<T> body) {
        T response;
        try {
            response = body.get();
        } catch (Throwable t) {
            observer.onError(ErrorMapper.toStatus(method, t));
            return;
        }
        observer.onNext(response);
        observer.onCompleted();
    }
}
