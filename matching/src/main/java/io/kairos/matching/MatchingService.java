package io.kairos.matching;

import io.grpc.Channel;
import io.grpc.ServerServiceDefinition;
import io.kairos.persistence.sql.Jdbc;

import java.time.Clock;
import java.util.List;

/** The matching service of one process. */
public final class MatchingService implements AutoCloseable {
    private final MatchingServiceHandler handler;

    public MatchingService(String hostIdentity, Clock clock, Jdbc jdbc, Channel historyChannel, MatchingConfig config) {
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
