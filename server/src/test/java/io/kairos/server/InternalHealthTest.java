package io.kairos.server;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.kairos.common.config.ServiceRole;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InternalHealthTest {
    private final InternalHealth health = new InternalHealth();
    private Server server;
    private ManagedChannel channel;

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private HealthGrpc.HealthBlockingStub serve(ServiceRole role) throws Exception {
        String name = "health-" + UUID.randomUUID();
        server = InProcessServerBuilder.forName(name).addService(health.service(role)).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
        return HealthGrpc.newBlockingStub(channel);
    }

    private static ServingStatus check(HealthGrpc.HealthBlockingStub stub, String service) {
        return stub.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    }

    @Test
    void readinessFollowsStartAndGracefulStopWhileLivenessHolds() throws Exception {
        HealthGrpc.HealthBlockingStub stub = serve(ServiceRole.MATCHING);
        String matching = "kairos.matching.v1.MatchingService";

        assertEquals(ServingStatus.SERVING, check(stub, ""));
        assertEquals(ServingStatus.NOT_SERVING, check(stub, matching), "not ready before the role started");

        org.junit.jupiter.api.Assertions.assertFalse(health.allServing(), "/health/ready: not yet");
        health.serving(ServiceRole.MATCHING);
        assertEquals(ServingStatus.SERVING, check(stub, matching));
        org.junit.jupiter.api.Assertions.assertTrue(health.allServing(), "/health/ready: ready");

        health.stopping();
        assertEquals(ServingStatus.NOT_SERVING, check(stub, matching), "not ready once a graceful stop begins");
        org.junit.jupiter.api.Assertions.assertFalse(health.allServing(), "/health/ready: stopping");
        assertEquals(ServingStatus.SERVING, check(stub, ""), "still alive while handing over");

        health.close();
        health.serving(ServiceRole.MATCHING);
        assertEquals(ServingStatus.NOT_SERVING, check(stub, matching), "terminal: later updates are ignored");
        assertEquals(ServingStatus.NOT_SERVING, check(stub, ""));
    }

    @Test
    void eachPortKnowsOnlyItsOwnRole() throws Exception {
        HealthGrpc.HealthBlockingStub stub = serve(ServiceRole.HISTORY);
        health.serving(ServiceRole.HISTORY);
        health.serving(ServiceRole.WORKER); // not opened in this process: ignored

        assertEquals(ServingStatus.SERVING, check(stub, "kairos.history.v1.HistoryService"));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> check(stub, "kairos.worker.v1.WorkerService"));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }
}
