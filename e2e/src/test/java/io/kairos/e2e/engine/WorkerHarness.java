package io.kairos.e2e.engine;

import io.kairos.e2e.ServerProcess;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;

import java.time.Duration;
import java.util.UUID;

/** An SDK client and worker (in this JVM) registered with every test workflow, against a server on a port. */
final class WorkerHarness implements AutoCloseable {
    final WorkflowServiceStubs service;
    final WorkflowClient client;
    WorkerFactory factory;
    final String taskQueue;
    final int port;
    private ServerProcess server;

    /** A dev server (ephemeral database) of its own, stopped when the harness closes. */
    static WorkerHarness withDevServer(String name) {
        int port = ServerProcess.freePort();
        ServerProcess server = devServer(name, port);
        try {
            WorkerHarness h = new WorkerHarness(port);
            h.server = server;
            return h;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    WorkerHarness(int port) {
        this(port, "engine-" + UUID.randomUUID());
    }

    WorkerHarness(int port, String taskQueue) {
        this.port = port;
        this.taskQueue = taskQueue;
        service = WorkflowServiceStubs.newConnectedServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build(), Duration.ofSeconds(30));
        client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
        restartFactory();
    }

    /** A fresh worker (empty workflow cache) on the same task queue. */
    void restartFactory() {
        factory = WorkerFactory.newInstance(client);
        Worker worker = factory.newWorker(taskQueue);
        worker.registerWorkflowImplementationTypes(
                EngineWorkflows.HelloWorkflowImpl.class, EngineWorkflows.SleepWorkflowImpl.class,
                EngineWorkflows.FlakyWorkflowImpl.class, EngineWorkflows.TimeoutRetryWorkflowImpl.class,
                EngineWorkflows.HeartbeatWorkflowImpl.class, EngineWorkflows.LocalActivityWorkflowImpl.class,
                EngineWorkflows.AsyncCompletionWorkflowImpl.class, EngineWorkflows.FailingWorkflowImpl.class,
                EngineWorkflows.WorkflowTaskFailureWorkflowImpl.class, EngineWorkflows.ChainWorkflowImpl.class,
                EngineWorkflows.VersionWorkflowImpl.class, EngineWorkflows.TimerAndActivitiesWorkflowImpl.class,
                EngineWorkflows.MemoWorkflowImpl.class, EngineWorkflows.CancelWorkflowImpl.class,
                EngineWorkflows.HugeResultWorkflowImpl.class, EngineWorkflows.SignalWorkflowImpl.class,
                EngineWorkflows.CountdownWorkflowImpl.class, EngineWorkflows.RetriedWorkflowImpl.class);
        worker.registerActivitiesImplementations(new EngineWorkflows.GreetingsImpl());
        factory.start();
    }

    private final java.util.List<WorkerFactory> extra = new java.util.ArrayList<>();

    /** A started worker of its own on {@code queue} with these workflows and activities; stopped on close. */
    WorkerFactory workersOn(String queue, Class<?>[] workflows, Object... activities) {
        WorkerFactory f = WorkerFactory.newInstance(client);
        Worker w = f.newWorker(queue);
        w.registerWorkflowImplementationTypes(workflows);
        if (activities.length > 0) {
            w.registerActivitiesImplementations(activities);
        }
        f.start();
        extra.add(f);
        return f;
    }

    <T> T stub(Class<T> type, String workflowId) {
        return client.newWorkflowStub(type, WorkflowOptions.newBuilder().setTaskQueue(taskQueue)
                .setWorkflowId(workflowId).build());
    }

    <T> T stub(Class<T> type, WorkflowOptions.Builder options) {
        return client.newWorkflowStub(type, options.setTaskQueue(taskQueue).build());
    }

    static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    @Override
    public void close() {
        extra.forEach(WorkerFactory::shutdownNow);
        factory.shutdownNow();
        factory.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        service.shutdownNow();
        if (server != null) {
            server.close();
        }
    }

    static ServerProcess devServer(String name, int port) {
        return ServerProcess.launch(name, java.util.List.of("dev", "--ephemeral", "--port", Integer.toString(port))).awaitReady();
    }
}
