package io.kairos.e2e.nexus;

import com.google.protobuf.util.Durations;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kairos.e2e.Clients;
import io.kairos.e2e.ExternalPostgres;
import io.kairos.e2e.ServerProcess;
import io.kairos.proto.cluster.v1.OwnershipMovedFailure;
import io.kairos.proto.matching.v1.DispatchNexusTaskRequest;
import io.kairos.proto.matching.v1.DispatchNexusTaskResponse;
import io.kairos.proto.matching.v1.MatchingServiceGrpc;
import io.temporal.api.nexus.v1.Request;
import io.temporal.api.nexus.v1.StartOperationRequest;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two matching hosts: each Nexus queue lives on its owner, the frontend routes the SDK worker's polls and answers there,
 * and a dispatch sent to the other host is turned away naming the owner (as history's routing channel follows it).
 */
class NexusClusterTest {
    private static final int QUEUES = 12;

    @TempDir
    static Path dir;

    private static ServerProcess launch(String name, Path config, String services, Map<String, String> ports) {
        Map<String, String> env = new HashMap<>(ports);
        env.put("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        return ServerProcess.launch(name, List.of("start", "--config", config.toString(), "--services", services), env);
    }

    @Test
    void eachQueuesTasksAreServedAndAnsweredOnItsOwner() throws Exception {
        try (EmbeddedPostgres postgres = ExternalPostgres.start(60)) {
            int frontendPort = ServerProcess.freePort();
            int m1Port = ServerProcess.freePort();
            int m2Port = ServerProcess.freePort();
            Path config = dir.resolve("nexus-cluster.yaml");
            Files.writeString(config, """
                    persistence:
                      default:
                        url: jdbc:postgresql://localhost:%d/temporal
                        user: %s
                        password: %s
                        maxConnections: 8
                      autoMigrate: true
                    cluster:
                      historyShardCount: 2
                      membership:
                        heartbeatInterval: 1s
                        ttl: 5s
                    services:
                      frontend: { bindAddress: 127.0.0.1, port: %d }
                      history: { bindAddress: 127.0.0.1, port: 0 }
                      matching:
                        bindAddress: 127.0.0.1
                        port: ${MATCHING_PORT:-0}
                      worker: { bindAddress: 127.0.0.1, port: 0 }
                    metrics:
                      port: 0
                    namespaces:
                      - name: default
                    """.formatted(postgres.getPort(), ExternalPostgres.USER, ExternalPostgres.PASSWORD, frontendPort));
            List<ServerProcess> processes = new ArrayList<>();
            ManagedChannel m1 = NettyChannelBuilder.forAddress("127.0.0.1", m1Port).usePlaintext().build();
            Clients clients = null;
            WorkerFactory factory = null;
            try {
                // the frontend is ready only once it sees a matching host: all three start together
                processes.add(launch("nexus-cluster-core", config, "frontend,history,worker", Map.of()));
                processes.add(launch("nexus-cluster-m1", config, "matching", Map.of("MATCHING_PORT", "" + m1Port)));
                processes.add(launch("nexus-cluster-m2", config, "matching", Map.of("MATCHING_PORT", "" + m2Port)));
                processes.forEach(ServerProcess::awaitReady);
                clients = new Clients(frontendPort);
                var frontend = clients.workflow.blockingStub();
                String namespaceId = frontend.describeNamespace(DescribeNamespaceRequest.newBuilder()
                        .setNamespace("default").build()).getNamespaceInfo().getId();
                List<String> queues = new ArrayList<>();
                for (int i = 0; i < QUEUES; i++) {
                    queues.add("nexus-cluster-" + i);
                }
                awaitBothMatchingHostsPlaced(frontend, queues);

                WorkflowClient client = WorkflowClient.newInstance(clients.workflow,
                        WorkflowClientOptions.newBuilder().setNamespace("default").build());
                factory = WorkerFactory.newInstance(client);
                for (String q : queues) {
                    Worker w = factory.newWorker(q, WorkerOptions.newBuilder().setMaxConcurrentNexusTaskPollers(2).build());
                    w.registerNexusServiceImplementation(new NexusTaskDispatchTest.GreetingImpl());
                }
                factory.start();

                Set<String> servedBy = new HashSet<>();
                for (String q : queues) {
                    String[] host = {"127.0.0.1:" + m1Port};
                    DispatchNexusTaskResponse r = dispatchFollowingMoves(m1, namespaceId, q, host);
                    servedBy.add(host[0]);
                    assertEquals("\"Hello, " + q + "!\"", r.getResponse().getStartOperation().getSyncSuccess()
                            .getPayload().getData().toString(StandardCharsets.UTF_8), () -> "answer on " + q + ": " + r);
                }
                assertEquals(Set.of("127.0.0.1:" + m1Port, "127.0.0.1:" + m2Port), servedBy,
                        "both matching hosts own some of the queues and answered their tasks");
            } finally {
                if (factory != null) {
                    factory.shutdownNow();
                    factory.awaitTermination(10, TimeUnit.SECONDS);
                }
                if (clients != null) {
                    clients.close();
                }
                m1.shutdownNow();
                processes.forEach(ServerProcess::close);
            }
        }
    }

    /** The frontend's membership view places the queues' workflow halves on both matching hosts. */
    private static void awaitBothMatchingHostsPlaced(io.temporal.api.workflowservice.v1.WorkflowServiceGrpc
                                                             .WorkflowServiceBlockingStub frontend, List<String> queues)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Set<String> owners = new HashSet<>();
            for (String q : queues) {
                owners.add(frontend.listTaskQueuePartitions(ListTaskQueuePartitionsRequest.newBuilder()
                        .setNamespace("default").setTaskQueue(TaskQueue.newBuilder().setName(q)).build())
                        .getWorkflowTaskQueuePartitions(0).getOwnerHostName());
            }
            if (owners.size() == 2) {
                Thread.sleep(3_000); // the matching hosts see each other too (1 s heartbeats)
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the frontend never saw two matching hosts: " + owners);
            Thread.sleep(500);
        }
    }

    /** Sends the dispatch to {@code host[0]}, following "moved" to the owner it names, as history's router does. */
    private static DispatchNexusTaskResponse dispatchFollowingMoves(ManagedChannel first, String namespaceId,
                                                                    String queue, String[] host) {
        DispatchNexusTaskRequest request = DispatchNexusTaskRequest.newBuilder().setNamespaceId(namespaceId)
                .setTaskQueue(TaskQueue.newBuilder().setName(queue))
                .setRequest(Request.newBuilder().setStartOperation(StartOperationRequest.newBuilder()
                        .setService("Greeting").setOperation("hello").setRequestId(UUID.randomUUID().toString())
                        .setPayload(NexusTaskDispatchTest.json(queue))))
                .setTimeout(Durations.fromSeconds(20)).build();
        try {
            return MatchingServiceGrpc.newBlockingStub(first).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .dispatchNexusTask(request);
        } catch (StatusRuntimeException e) {
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), () -> "moved, not " + e.getStatus());
            OwnershipMovedFailure moved = Clients.detail(e, OwnershipMovedFailure.class);
            assertEquals("matching", moved.getRole());
            host[0] = moved.getOwnerAddress();
            String[] hp = host[0].split(":");
            ManagedChannel owner = NettyChannelBuilder.forAddress(hp[0], Integer.parseInt(hp[1])).usePlaintext().build();
            try {
                return MatchingServiceGrpc.newBlockingStub(owner).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .dispatchNexusTask(request);
            } finally {
                owner.shutdownNow();
            }
        }
    }
}
