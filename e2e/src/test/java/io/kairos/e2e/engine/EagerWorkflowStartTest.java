package io.kairos.e2e.engine;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eager workflow start: a start with request_eager_execution gets the run's first workflow task, already started
 * by the requesting worker, in its response; no other poller of the queue gets it.
 */
class EagerWorkflowStartTest {
    private static WorkerHarness h;
    private static String queue;
    private static final List<WorkerFactory> factories = new ArrayList<>();
    private static final List<WorkflowServiceStubs> services = new ArrayList<>();
    private static volatile boolean lastRequestedEager;
    private static volatile boolean lastAnsweredEager;

    @WorkflowInterface
    public interface Quick {
        @WorkflowMethod
        String run();
    }

    public static class QuickImpl implements Quick {
        @Override
        public String run() {
            return "ok";
        }
    }

    /** Records whether the last start asked for, and got, an eager workflow task. */
    static final class StartSniffer implements ClientInterceptor {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            ClientCall<Q, R> call = next.newCall(method, options);
            if (method != WorkflowServiceGrpc.getStartWorkflowExecutionMethod()) {
                return call;
            }
            return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                @Override
                public void sendMessage(Q message) {
                    lastRequestedEager = ((StartWorkflowExecutionRequest) message).getRequestEagerExecution();
                    super.sendMessage(message);
                }

                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onMessage(R message) {
                            lastAnsweredEager = ((StartWorkflowExecutionResponse) message).hasEagerWorkflowTask();
                            super.onMessage(message);
                        }
                    }, headers);
                }
            };
        }
    }

    /** A client with its own identity and a started worker on the queue, both on a sniffing connection. */
    private static WorkflowClient workerClient(String identity) {
        WorkflowServiceStubs service = WorkflowServiceStubs.newConnectedServiceStubs(WorkflowServiceStubsOptions.newBuilder()
                .setTarget("127.0.0.1:" + h.port).setGrpcClientInterceptors(List.of(new StartSniffer())).build(),
                Duration.ofSeconds(30));
        services.add(service);
        WorkflowClient client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder()
                .setNamespace("default").setIdentity(identity).build());
        WorkerFactory f = WorkerFactory.newInstance(client);
        f.newWorker(queue).registerWorkflowImplementationTypes(QuickImpl.class);
        f.start();
        factories.add(f);
        return client;
    }

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("eager-start");
        queue = "eager-start-" + UUID.randomUUID();
    }

    @AfterAll
    static void stop() {
        factories.forEach(WorkerFactory::shutdownNow);
        services.forEach(WorkflowServiceStubs::shutdownNow);
        if (h != null) {
            h.close();
        }
    }

    private static String startedBy(String workflowId) {
        HistoryEvent started = h.client.fetchHistory(workflowId).getEvents().stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED).findFirst().orElseThrow();
        return started.getWorkflowTaskStartedEventAttributes().getIdentity();
    }

    @Test
    void theFirstWorkflowTaskGoesToTheStartingWorker() {
        WorkflowClient one = workerClient("worker-one");
        WorkflowClient two = workerClient("worker-two");
        for (WorkflowClient client : List.of(one, two)) {
            String id = "eager-" + UUID.randomUUID();
            Quick wf = client.newWorkflowStub(Quick.class, WorkflowOptions.newBuilder().setTaskQueue(queue)
                    .setWorkflowId(id).setDisableEagerExecution(false).build());
            assertEquals("ok", wf.run());
            assertTrue(lastRequestedEager);
            assertTrue(lastAnsweredEager);
            assertEquals(client.getOptions().getIdentity(), startedBy(id));
        }
    }

    @Test
    void aStartWithoutEagerExecutionGoesThroughTheQueue() {
        WorkflowClient one = workerClient("worker-three");
        String id = "not-eager-" + UUID.randomUUID();
        WorkflowStub stub = one.newUntypedWorkflowStub("Quick", WorkflowOptions.newBuilder().setTaskQueue(queue)
                .setWorkflowId(id).setDisableEagerExecution(true).build());
        stub.start();
        assertEquals("ok", stub.getResult(String.class));
        assertFalse(lastRequestedEager);
        assertFalse(lastAnsweredEager);
    }
}
