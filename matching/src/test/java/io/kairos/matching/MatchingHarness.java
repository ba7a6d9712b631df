package io.kairos.matching;

import com.google.protobuf.util.Durations;
import com.zaxxer.hikari.HikariDataSource;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.matching.TaskQueueKey;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.testing.EmbeddedDb;
import io.kairos.proto.matching.v1.AddActivityTaskRequest;
import io.kairos.proto.matching.v1.AddWorkflowTaskRequest;
import io.kairos.proto.matching.v1.MatchingServiceGrpc;
import io.kairos.proto.matching.v1.PollActivityTaskQueueRequest;
import io.kairos.proto.matching.v1.PollWorkflowTaskQueueRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A migrated embedded database, a fake history on an in-process server, and matching services on in-process
 * servers whose handlers run on only {@value #SERVER_THREADS} threads, so a poll that held a thread would show.
 */
final class MatchingHarness implements AutoCloseable {
    static final int SERVER_THREADS = 4;
    static final NamespaceId NS = NamespaceId.random();

    final HikariDataSource ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
    final Jdbc jdbc = new Jdbc(ds);
    final FakeHistory history = new FakeHistory();
    private final String historyName = "history-" + UUID.randomUUID();
    private final Server historyServer;
    private final ManagedChannel historyChannel;
    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();

    MatchingHarness() {
        try {
            historyServer = InProcessServerBuilder.forName(historyName).addService(history).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        historyChannel = InProcessChannelBuilder.forName(historyName).build();
    }

    /** One matching host on the shared database. */
    final class Node implements AutoCloseable {
        final MatchingService service;
        final SimpleMeterRegistry meters = new SimpleMeterRegistry();
        private final Server server;
        private final ManagedChannel channel;
        private final ExecutorService executor = Executors.newFixedThreadPool(SERVER_THREADS);

        Node(MatchingConfig config) {
            this(config, "test-host", key -> null);
        }

        /** A host among several: {@code ownerElsewhere} plays the membership's placement. */
        Node(MatchingConfig config, String address, java.util.function.Function<TaskQueueKey, String> ownerElsewhere) {
            service = new MatchingService(address, Clock.systemUTC(), jdbc, historyChannel, config, ownerElsewhere,
                    meters);
            service.start();
            String name = "matching-" + UUID.randomUUID();
            InProcessServerBuilder b = InProcessServerBuilder.forName(name).executor(executor);
            service.services().forEach(b::addService);
            try {
                server = b.build().start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            channel = InProcessChannelBuilder.forName(name).build();
        }

        MatchingServiceGrpc.MatchingServiceBlockingStub blocking() {
            return MatchingServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        }

        MatchingServiceGrpc.MatchingServiceFutureStub async() {
            return MatchingServiceGrpc.newFutureStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        }

        int waitingPolls(String queue, TaskQueueType type) {
            return service.engine().waitingPolls(new TaskQueueKey(NS, queue, type));
        }

        void awaitWaitingPolls(String queue, TaskQueueType type, int n) {
            await("polls waiting on " + queue, () -> waitingPolls(queue, type) == n);
        }

        @Override
        public void close() throws InterruptedException {
            channel.shutdownNow();
            server.shutdownNow();
            service.close();
            server.awaitTermination(5, TimeUnit.SECONDS);
            executor.shutdownNow();
        }
    }

    Node start(MatchingConfig config) {
        Node n = new Node(config);
        closeables.push(n);
        return n;
    }

    Node start(MatchingConfig config, String address, java.util.function.Function<TaskQueueKey, String> ownerElsewhere) {
        Node n = new Node(config, address, ownerElsewhere);
        closeables.push(n);
        return n;
    }

    /** Adds with no waiting poll go to the backlog at once (tests of the backlog); see MatchingConfig#syncMatchWait. */
    static MatchingConfig config(Duration longPoll) {
        return MatchingConfig.defaults().withLongPollTimeout(longPoll).withSyncMatchWait(Duration.ZERO);
    }

    static TaskQueue queue(String name) {
        return TaskQueue.newBuilder().setName(name).setKind(TaskQueueKind.TASK_QUEUE_KIND_NORMAL).build();
    }

    static TaskQueue sticky(String name) {
        return TaskQueue.newBuilder().setName(name).setKind(TaskQueueKind.TASK_QUEUE_KIND_STICKY)
                .setNormalName("normal").build();
    }

    static WorkflowExecution execution(String workflowId) {
        // A UUID, as every run id is: task tokens refuse anything else.
        return WorkflowExecution.newBuilder().setWorkflowId(workflowId)
                .setRunId(java.util.UUID.nameUUIDFromBytes(workflowId.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        .toString()).build();
    }

    static AddWorkflowTaskRequest addWorkflow(TaskQueue queue, String workflowId, long scheduledEventId) {
        return AddWorkflowTaskRequest.newBuilder()
                .setNamespaceId(NS.toString())
                .setTaskQueue(queue)
                .setExecution(execution(workflowId))
                .setScheduledEventId(scheduledEventId)
                .build();
    }

    static AddWorkflowTaskRequest addWorkflow(String queue, String workflowId) {
        return addWorkflow(queue(queue), workflowId, 2);
    }

    static AddWorkflowTaskRequest addWorkflowExpiring(String queue, String workflowId, Duration scheduleToStart) {
        return addWorkflow(queue, workflowId).toBuilder()
                .setScheduleToStartTimeout(Durations.fromMillis(scheduleToStart.toMillis())).build();
    }

    static AddActivityTaskRequest addActivity(String queue, String workflowId, long scheduledEventId, int attempt) {
        return AddActivityTaskRequest.newBuilder()
                .setNamespaceId(NS.toString())
                .setTaskQueue(queue(queue))
                .setExecution(execution(workflowId))
                .setScheduledEventId(scheduledEventId)
                .setAttempt(attempt)
                .build();
    }

    static PollWorkflowTaskQueueRequest pollWorkflow(TaskQueue queue, String identity) {
        return PollWorkflowTaskQueueRequest.newBuilder()
                .setNamespaceId(NS.toString())
                .setPollerId(UUID.randomUUID().toString())
                .setPollRequest(io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest.newBuilder()
                        .setNamespace("default").setTaskQueue(queue).setIdentity(identity))
                .build();
    }

    static PollWorkflowTaskQueueRequest pollWorkflow(String queue, String identity) {
        return pollWorkflow(queue(queue), identity);
    }

    static PollActivityTaskQueueRequest pollActivity(String queue, String identity) {
        return PollActivityTaskQueueRequest.newBuilder()
                .setNamespaceId(NS.toString())
                .setPollerId(UUID.randomUUID().toString())
                .setPollRequest(io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest.newBuilder()
                        .setNamespace("default").setTaskQueue(queue(queue)).setIdentity(identity))
                .build();
    }

    /** task_id of every backlog row of a queue, oldest first. */
    List<Long> backlog(String queue) {
        return jdbc.read("backlog", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT task_id FROM tasks WHERE namespace_id = ? AND task_queue_name = ? ORDER BY task_id")) {
                ps.setObject(1, NS.uuid());
                ps.setString(2, queue);
                List<Long> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
                return ids;
            }
        });
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    @Override
    public void close() throws Exception {
        while (!closeables.isEmpty()) {
            closeables.pop().close();
        }
        historyChannel.shutdownNow();
        historyServer.shutdownNow();
        ds.close();
    }
}
