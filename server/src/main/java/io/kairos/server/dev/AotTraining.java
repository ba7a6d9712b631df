package io.kairos.server.dev;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.temporal.api.command.v1.Command;
import io.temporal.api.command.v1.CompleteWorkflowExecutionCommandAttributes;
import io.temporal.api.command.v1.ScheduleActivityTaskCommandAttributes;
import io.temporal.api.command.v1.StartTimerCommandAttributes;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.CommandType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.query.v1.WorkflowQuery;
import io.temporal.api.taskqueue.v1.StickyExecutionAttributes;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondQueryTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedResponse;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.api.enums.v1.QueryResultType;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The training run of a JDK AOT cache ({@code -XX:AOTCacheOutput}, JEP 483/514/515): drives workflows through the
 * frontend's public API the way an SDK worker does (workflow task polls on the normal and the sticky queue, eager
 * activities, activity polls, a timer, a signal, a query, history and visibility reads), so the classes and method
 * profiles of the request paths are in the cache and a restarted server does not spend its first minutes loading
 * and profiling them. Raw gRPC stubs, no SDK: the server jar carries the API types.
 */
public final class AotTraining {
    private static final String QUEUE = "kairos-aot-training";
    private static final Payloads INPUT = Payloads.newBuilder().addPayloads(Payload.newBuilder()
            .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
            .setData(ByteString.copyFromUtf8("\"training\""))).build();

    private final WorkflowServiceGrpc.WorkflowServiceBlockingStub api;
    private final String identity = "aot-training@" + UUID.randomUUID();
    private final String sticky = QUEUE + "-sticky-" + UUID.randomUUID();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger closed = new AtomicInteger();

    private AotTraining(ManagedChannel channel) {
        this.api = WorkflowServiceGrpc.newBlockingStub(channel);
    }

    /** Runs {@code workflows} workflows against the frontend on 127.0.0.1:{@code port} and waits for them to close. */
    public static void run(int port, int workflows, PrintStream out) throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            AotTraining t = new AotTraining(channel);
            for (int i = 0; i < 3; i++) {
                pool.submit(() -> t.workflowWorker(QUEUE, TaskQueueKind.TASK_QUEUE_KIND_NORMAL));
            }
            pool.submit(() -> t.workflowWorker(t.sticky, TaskQueueKind.TASK_QUEUE_KIND_STICKY));
            pool.submit(t::activityWorker);
            long start = System.nanoTime();
            CountDownLatch started = new CountDownLatch(workflows);
            for (int s = 0; s < 3; s++) {
                int first = s;
                pool.submit(() -> {
                    for (int i = first; i < workflows; i += 3) {
                        t.start(i);
                        started.countDown();
                    }
                });
            }
            started.await(5, TimeUnit.MINUTES);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (t.closed.get() < workflows && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            t.reads();
            t.stop.set(true);
            out.printf("AOT training: %d of %d workflows closed in %d ms%n", t.closed.get(), workflows,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            out.flush();
        } finally {
            pool.shutdownNow();
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
            pool.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private void start(int i) {
        String id = "aot-" + i + "-" + UUID.randomUUID();
        api.startWorkflowExecution(StartWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setWorkflowId(id).setWorkflowType(WorkflowType.newBuilder().setName("AotTraining"))
                .setTaskQueue(TaskQueue.newBuilder().setName(QUEUE)).setInput(INPUT).setIdentity(identity)
                .setRequestId(UUID.randomUUID().toString()).build());
        if (i % 10 == 0) {
            api.signalWorkflowExecution(SignalWorkflowExecutionRequest.newBuilder().setNamespace("default")
                    .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).setSignalName("poke")
                    .setInput(INPUT).setIdentity(identity).setRequestId(UUID.randomUUID().toString()).build());
        }
    }

    private void workflowWorker(String queue, TaskQueueKind kind) {
        while (!stop.get()) {
            try {
                PollWorkflowTaskQueueResponse task = api.withDeadlineAfter(5, TimeUnit.SECONDS)
                        .pollWorkflowTaskQueue(PollWorkflowTaskQueueRequest.newBuilder().setNamespace("default")
                                .setTaskQueue(TaskQueue.newBuilder().setName(queue).setKind(kind)
                                        .setNormalName(QUEUE)).setIdentity(identity).build());
                if (task.getTaskToken().isEmpty()) {
                    continue;
                }
                if (task.hasQuery()) {
                    api.respondQueryTaskCompleted(RespondQueryTaskCompletedRequest.newBuilder()
                            .setNamespace("default").setTaskToken(task.getTaskToken())
                            .setCompletedType(QueryResultType.QUERY_RESULT_TYPE_ANSWERED).setQueryResult(INPUT).build());
                    continue;
                }
                complete(task);
            } catch (RuntimeException e) {
                pause();
            }
        }
    }

    /** First task: a timer (every 5th workflow) or an eager activity; then complete the workflow. */
    private void complete(PollWorkflowTaskQueueResponse task) {
        boolean activityDone = false;
        boolean timerFired = false;
        for (HistoryEvent e : task.getHistory().getEventsList()) {
            activityDone |= e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED;
            timerFired |= e.getEventType() == EventType.EVENT_TYPE_TIMER_FIRED;
        }
        boolean timerFirst = task.getWorkflowExecution().getWorkflowId().startsWith("aot-")
                && Math.floorMod(task.getWorkflowExecution().getWorkflowId().hashCode(), 5) == 0;
        List<Command> commands = new ArrayList<>();
        boolean done = activityDone || (timerFirst && timerFired);
        if (done) {
            commands.add(Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION)
                    .setCompleteWorkflowExecutionCommandAttributes(CompleteWorkflowExecutionCommandAttributes
                            .newBuilder().setResult(INPUT)).build());
        } else if (timerFirst) {
            commands.add(Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_START_TIMER)
                    .setStartTimerCommandAttributes(StartTimerCommandAttributes.newBuilder().setTimerId("t")
                            .setStartToFireTimeout(com.google.protobuf.Duration.newBuilder().setNanos(50_000_000)))
                    .build());
        } else {
            commands.add(Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK)
                    .setScheduleActivityTaskCommandAttributes(ScheduleActivityTaskCommandAttributes.newBuilder()
                            .setActivityId("a").setActivityType(ActivityType.newBuilder().setName("Train"))
                            .setTaskQueue(TaskQueue.newBuilder().setName(QUEUE)).setInput(INPUT)
                            .setStartToCloseTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(10))
                            .setRequestEagerExecution(true)).build());
        }
        RespondWorkflowTaskCompletedResponse r = api.respondWorkflowTaskCompleted(RespondWorkflowTaskCompletedRequest
                .newBuilder().setNamespace("default").setTaskToken(task.getTaskToken()).addAllCommands(commands)
                .setIdentity(identity).setStickyAttributes(StickyExecutionAttributes.newBuilder()
                        .setWorkerTaskQueue(TaskQueue.newBuilder().setName(sticky)
                                .setKind(TaskQueueKind.TASK_QUEUE_KIND_STICKY).setNormalName(QUEUE))
                        .setScheduleToStartTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(5)))
                .build());
        for (PollActivityTaskQueueResponse eager : r.getActivityTasksList()) {
            completeActivity(eager);
        }
        if (done) {
            closed.incrementAndGet();
        }
    }

    private void activityWorker() {
        while (!stop.get()) {
            try {
                PollActivityTaskQueueResponse task = api.withDeadlineAfter(5, TimeUnit.SECONDS)
                        .pollActivityTaskQueue(PollActivityTaskQueueRequest.newBuilder().setNamespace("default")
                                .setTaskQueue(TaskQueue.newBuilder().setName(QUEUE)).setIdentity(identity).build());
                if (!task.getTaskToken().isEmpty()) {
                    completeActivity(task);
                }
            } catch (RuntimeException e) {
                pause();
            }
        }
    }

    private void completeActivity(PollActivityTaskQueueResponse task) {
        api.respondActivityTaskCompleted(RespondActivityTaskCompletedRequest.newBuilder().setNamespace("default")
                .setTaskToken(task.getTaskToken()).setResult(INPUT).setIdentity(identity).build());
    }

    /** The read paths an operator's UI and CLI exercise: describe, history, query, list. */
    private void reads() {
        try {
            var list = api.listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder().setNamespace("default")
                    .setPageSize(20).setQuery("WorkflowType = 'AotTraining'").build());
            for (var info : list.getExecutionsList()) {
                WorkflowExecution e = info.getExecution();
                api.describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                        .setExecution(e).build());
                api.getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest.newBuilder()
                        .setNamespace("default").setExecution(e).build());
                api.withDeadlineAfter(5, TimeUnit.SECONDS).queryWorkflow(QueryWorkflowRequest.newBuilder()
                        .setNamespace("default").setExecution(e)
                        .setQuery(WorkflowQuery.newBuilder().setQueryType("state")).build());
            }
        } catch (RuntimeException e) {
            // a read that fails still trained its path
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
