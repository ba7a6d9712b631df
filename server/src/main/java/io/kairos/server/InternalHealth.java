package io.kairos.server;

import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.kairos.common.config.ServiceRole;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.proto.matching.v1.MatchingServiceGrpc;
import io.kairos.proto.worker.v1.WorkerServiceGrpc;

import java.util.EnumMap;
import java.util.Map;

/**
 * grpc.health.v1 on the network ports of history, matching and worker, for Kubernetes probes: the overall service
 * "" is SERVING while the process runs (liveness); the role's own service name (readiness) only from when the role has
 * started and joined the membership until a graceful stop begins. Each port knows only its own role's name.
 */
final class InternalHealth implements AutoCloseable {
    private final Map<ServiceRole, HealthStatusManager> byRole = new EnumMap<>(ServiceRole.class);
    private final java.util.Set<ServiceRole> serving = java.util.EnumSet.noneOf(ServiceRole.class);
    private boolean stopping;

    /** The health service for {@code role}'s network server; the role reads NOT_SERVING until {@link #serving}. */
    synchronized ServerServiceDefinition service(ServiceRole role) {
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus(serviceName(role), ServingStatus.NOT_SERVING);
        byRole.put(role, health);
        return health.getHealthService().bindService();
    }

    /** The role answers calls and peers route to it. */
    synchronized void serving(ServiceRole role) {
        serving.add(role);
        HealthStatusManager health = byRole.get(role);
        if (health != null) {
            health.setStatus(serviceName(role), ServingStatus.SERVING);
        }
    }

    /** A graceful stop began: readiness fails at once so no new traffic is sent here; liveness still holds. */
    synchronized void stopping() {
        stopping = true;
        byRole.forEach((role, health) -> health.setStatus(serviceName(role), ServingStatus.NOT_SERVING));
    }

    /** Every role with a network port serves and no graceful stop has begun (what /health/ready reports). */
    synchronized boolean allServing() {
        return !stopping && serving.containsAll(byRole.keySet());
    }

    /** Everything NOT_SERVING for good; later updates are ignored. */
    @Override
    public synchronized void close() {
        byRole.values().forEach(HealthStatusManager::enterTerminalState);
    }

    static String serviceName(ServiceRole role) {
        return switch (role) {
            case HISTORY -> HistoryServiceGrpc.SERVICE_NAME;
            case MATCHING -> MatchingServiceGrpc.SERVICE_NAME;
            case WORKER -> WorkerServiceGrpc.SERVICE_NAME;
            case FRONTEND -> throw new IllegalArgumentException("the frontend reports its own health");
        };
    }
}
