package io.kairos.e2e.schedules;

import io.kairos.e2e.Clients;
import io.kairos.e2e.ServerProcess;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** A server (its own process), the SDK's schedule and workflow clients, and a worker for {@link ScheduleWorkflows}. */
final class ScheduleHarness implements AutoCloseable {
    static final String NAMESPACE = "default";

    final int port;
    final String taskQueue = "schedules-" + UUID.randomUUID();
    ServerProcess server;
    Clients clients;
    WorkflowClient client;
    ScheduleClient schedules;
    private WorkerFactory factory;

    private ScheduleHarness(int port) {
        this.port = port;
    }

    /** A dev server with an ephemeral database. */
    static ScheduleHarness devServer(String name) {
        int port = ServerProcess.freePort();
        ScheduleHarness h = new ScheduleHarness(port);
        h.server = ServerProcess.launch(name, List.of("dev", "--ephemeral", "--port", Integer.toString(port))).awaitReady();
        h.connect();
        return h;
    }

    private List<String> devArgs;

    /** A dev server on its own data directory, so it can be killed and started again with all its data. */
    static ScheduleHarness devServerOn(java.nio.file.Path dir, String name) {
        int port = ServerProcess.freePort();
        ScheduleHarness h = new ScheduleHarness(port);
        h.devArgs = List.of("dev", "--db-dir", dir.toString(), "--port", Integer.toString(port));
        h.server = ServerProcess.launch(name, h.devArgs).awaitReady();
        h.connect();
        return h;
    }

    /** kill -9 of the server (the clients and worker go first), {@code down} of nothing running, a restart. */
    void killAndRestart(String name, Duration down) {
        disconnect();
        server.kill9();
        try {
            Thread.sleep(down.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server = ServerProcess.launch(name, devArgs).awaitReady();
        connect();
    }

    /** Clients and a worker for a server someone else runs on this port. */
    static ScheduleHarness forPort(int port) {
        ScheduleHarness h = new ScheduleHarness(port);
        h.connect();
        return h;
    }

    void connect() {
        clients = new Clients(port);
        client = WorkflowClient.newInstance(clients.workflow, WorkflowClientOptions.newBuilder().setNamespace(NAMESPACE).build());
        schedules = ScheduleClient.newInstance(clients.workflow, ScheduleClientOptions.newBuilder().setNamespace(NAMESPACE).build());
        factory = WorkerFactory.newInstance(client);
        Worker worker = factory.newWorker(taskQueue);
        worker.registerWorkflowImplementationTypes(ScheduleWorkflows.QuickImpl.class, ScheduleWorkflows.CountingImpl.class,
                ScheduleWorkflows.BlockingImpl.class, ScheduleWorkflows.FailingImpl.class, ScheduleWorkflows.LongBackoffImpl.class);
        worker.registerActivitiesImplementations(new ScheduleWorkflows.FirstCallFailsImpl());
        factory.start();
    }

    /** Drops the clients and the worker (before the server is killed and restarted on the same port). */
    void disconnect() {
        if (factory != null) {
            factory.shutdownNow();
            factory = null;
        }
        if (clients != null) {
            clients.close();
            clients = null;
        }
    }

    WorkflowServiceGrpc.WorkflowServiceBlockingStub raw() {
        return clients.workflow.blockingStub();
    }

    static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(e);
            }
        }
    }

    static void awaitActions(ScheduleHandle handle, long n, Duration timeout) {
        await(n + " actions of " + handle.getId(), timeout, () -> handle.describe().getInfo().getNumActions() >= n);
    }

    @Override
    public void close() {
        disconnect();
        if (server != null) {
            server.close();
        }
    }
}
