package io.kairos.e2e.nexus;

import io.nexusrpc.Operation;
import io.nexusrpc.OperationException;
import io.nexusrpc.Service;
import io.nexusrpc.handler.HandlerException;
import io.nexusrpc.handler.OperationHandler;
import io.nexusrpc.handler.OperationImpl;
import io.nexusrpc.handler.ServiceImpl;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.NexusOperationFailure;
import io.temporal.nexus.Nexus;
import io.temporal.nexus.WorkflowRunOperation;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.NexusOperationHandle;
import io.temporal.workflow.NexusOperationOptions;
import io.temporal.workflow.NexusServiceOptions;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

import java.time.Duration;

/** A Nexus service (sync and workflow-backed operations), its handler workflow, and a caller workflow. */
final class NexusTestWorkflows {
    private NexusTestWorkflows() {
    }

    @Service
    public interface EchoService {
        /** Sync: "echo:" + input; "fail" fails the operation, "bad" and "flaky:N" are handler errors. */
        @Operation
        String echo(String input);

        /** Async: a HandlerWorkflow run; "block" waits to be cancelled, "fail" fails. */
        @Operation
        String run(String input);

        /** Async, one HandlerWorkflow run per input (USE_EXISTING): later callers attach to the running one. */
        @Operation
        String shared(String input);

        /** Sync: signal-with-starts HandlerWorkflow "poke-" + input with unblock (it completes), answers "poked". */
        @Operation
        String poke(String input);

        /** Async with an operation token of {@code Integer.parseInt(input)} characters. */
        @Operation
        String longToken(String input);
    }

    @WorkflowInterface
    public interface HandlerWorkflow {
        @WorkflowMethod
        String handle(String input);

        @SignalMethod
        void unblock();
    }

    public static class HandlerWorkflowImpl implements HandlerWorkflow {
        private boolean unblocked;

        @Override
        public String handle(String input) {
            if (input.startsWith("block")) {
                Workflow.await(() -> unblocked);
            } else if (input.equals("fail")) {
                throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure("handler run failed", "RunFailure");
            }
            return "done:" + input;
        }

        @Override
        public void unblock() {
            unblocked = true;
        }
    }

    /** Counts attempts of "flaky:N" (fails with a retryable handler error N times, then answers). */
    static final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> ATTEMPTS =
            new java.util.concurrent.ConcurrentHashMap<>();

    @ServiceImpl(service = EchoService.class)
    public static class EchoServiceImpl {
        @OperationImpl
        public OperationHandler<String, String> echo() {
            return OperationHandler.sync((ctx, details, input) -> {
                if (input.equals("fail")) {
                    throw OperationException.failed("boom");
                }
                if (input.equals("bad")) {
                    throw new HandlerException(HandlerException.ErrorType.BAD_REQUEST, "bad input");
                }
                if (input.startsWith("flaky:")) {
                    int failures = Integer.parseInt(input.substring("flaky:".length()));
                    int attempt = ATTEMPTS.computeIfAbsent(details.getRequestId(),
                            k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
                    if (attempt <= failures) {
                        throw new HandlerException(HandlerException.ErrorType.INTERNAL, "flaky attempt " + attempt);
                    }
                    return "echo:" + input + " after " + attempt;
                }
                return "echo:" + input;
            });
        }

        @OperationImpl
        public OperationHandler<String, String> run() {
            return WorkflowRunOperation.fromWorkflowMethod((ctx, details, input) -> Nexus.getOperationContext()
                    .getWorkflowClient().newWorkflowStub(HandlerWorkflow.class, WorkflowOptions.newBuilder()
                            .setWorkflowId("handler-" + details.getRequestId()).build())::handle);
        }

        @OperationImpl
        public OperationHandler<String, String> shared() {
            return WorkflowRunOperation.fromWorkflowMethod((ctx, details, input) -> Nexus.getOperationContext()
                    .getWorkflowClient().newWorkflowStub(HandlerWorkflow.class, WorkflowOptions.newBuilder()
                            .setWorkflowId("shared-" + input)
                            .setWorkflowIdConflictPolicy(io.temporal.api.enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
                            .build())::handle);
        }

        @OperationImpl
        public OperationHandler<String, String> poke() {
            return OperationHandler.sync((ctx, details, input) -> {
                var nexus = Nexus.getOperationContext();
                HandlerWorkflow stub = nexus.getWorkflowClient().newWorkflowStub(HandlerWorkflow.class, WorkflowOptions
                        .newBuilder().setWorkflowId("poke-" + input).setTaskQueue(nexus.getInfo().getTaskQueue()).build());
                var batch = nexus.getWorkflowClient().newSignalWithStartRequest();
                batch.add(stub::handle, "block");
                batch.add(stub::unblock);
                nexus.getWorkflowClient().signalWithStart(batch);
                return "poked";
            });
        }

        @OperationImpl
        public OperationHandler<String, String> longToken() {
            return new OperationHandler<>() {
                @Override
                public io.nexusrpc.handler.OperationStartResult<String> start(io.nexusrpc.handler.OperationContext ctx,
                        io.nexusrpc.handler.OperationStartDetails details, String input) {
                    return io.nexusrpc.handler.OperationStartResult.async("t".repeat(Integer.parseInt(input)));
                }

                @Override
                public void cancel(io.nexusrpc.handler.OperationContext ctx, io.nexusrpc.handler.OperationCancelDetails details) {
                }
            };
        }
    }

    @WorkflowInterface
    public interface CallerWorkflow {
        /**
         * @param mode sync | async | timeout | scheduleToStart | startToClose | shared | poke | longToken | cancel
         * @return the operation's result, or for cancel the type of the operation failure's cause
         */
        @WorkflowMethod
        String call(String endpoint, String mode, String input);
    }

    public static class CallerWorkflowImpl implements CallerWorkflow {
        @Override
        public String call(String endpoint, String mode, String input) {
            NexusOperationOptions.Builder op = NexusOperationOptions.newBuilder();
            if (mode.equals("timeout")) {
                op.setScheduleToCloseTimeout(Duration.ofSeconds(3));
            } else if (mode.equals("scheduleToStart")) {
                op.setScheduleToStartTimeout(Duration.ofSeconds(2));
            } else if (mode.equals("startToClose")) {
                op.setStartToCloseTimeout(Duration.ofSeconds(2));
            }
            EchoService svc = Workflow.newNexusServiceStub(EchoService.class, NexusServiceOptions.newBuilder()
                    .setEndpoint(endpoint).setOperationOptions(op.build()).build());
            switch (mode) {
                case "sync":
                case "scheduleToStart":
                    return svc.echo(input);
                case "longToken":
                    return svc.longToken(input);
                case "async":
                case "timeout":
                case "startToClose":
                    return svc.run(input);
                case "shared":
                    return svc.shared(input);
                case "poke":
                    return svc.poke(input);
                case "cancel": {
                    NexusOperationHandle<String>[] handle = new NexusOperationHandle[1];
                    CancellationScope scope = Workflow.newCancellationScope(
                            () -> handle[0] = Workflow.startNexusOperation(svc::run, input));
                    scope.run();
                    handle[0].getExecution().get(); // started: the handler run exists
                    scope.cancel();
                    try {
                        return handle[0].getResult().get();
                    } catch (NexusOperationFailure f) {
                        return "canceled:" + f.getCause().getClass().getSimpleName();
                    }
                }
                default:
                    throw new IllegalArgumentException(mode);
            }
        }
    }
}
