package io.kairos.matching;

import io.grpc.ServerServiceDefinition;

import java.time.Clock;
import java.util.List;

/** The matching service of one process. */
public final class MatchingService implements AutoCloseable {
    private final MatchingServiceHandler handler;

    public MatchingService(String hostIdentity, Clock clock) {
        this.handler = new MatchingServiceHandler(hostIdentity, clock.instant());
    }

    public List<ServerServiceDefinition> services() {
        return List.of(handler.bindService());
    }

    public void start() {
    }

    @Override
    public void close() {
    }
}
