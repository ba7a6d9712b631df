package io.kairos.e2e.engine;

import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancelExternalWorkflowException;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.SignalExternalWorkflowException;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** Parents, children and workflows that signal or cancel other workflows, for {@link ChildWorkflowTest}. */
public final class ChildTestWorkflows {
    private ChildTestWorkflows() {
    }

    @WorkflowInterface
    public interface Child {
        /** "hello:NAME" greets, "again:N" continues as new N times, "fail" fails with type ChildBoom, "wait" waits for {@link #finish()}. */
        @WorkflowMethod
        String run(String mode);

        @SignalMethod
        void finish();
    }

    public static final class ChildImpl implements Child {
        private boolean finished;

        @Override
        public String run(String mode) {
            if (mode.startsWith("hello:")) {
                return "Hello, " + mode.substring(6) + ", from a child of "
                        + Workflow.getInfo().getParentWorkflowId().orElse("nobody");
            }
            if (mode.startsWith("again:")) {
                int left = Integer.parseInt(mode.substring(6));
                if (left > 0) {
                    Workflow.continueAsNew("again:" + (left - 1));
                }
                return "continued, child of " + Workflow.getInfo().getParentWorkflowId().orElse("nobody");
            }
            if (mode.equals("fail")) {
                throw ApplicationFailure.newNonRetryableFailure("the child failed", "ChildBoom");
            }
            Workflow.await(() -> finished);
            return "finished";
        }

        @Override
        public void finish() {
            finished = true;
        }
    }

    @WorkflowInterface
    public interface Parent {
        /**
         * Starts a child with the given id, mode and parent close policy. With {@code waitForResult} it returns
         * the child's result; otherwise the child's run id once it has started.
         */
        @WorkflowMethod
        String run(String childId, String mode, String policy, boolean waitForResult);
    }

    public static final class ParentImpl implements Parent {
        @Override
        public String run(String childId, String mode, String policy, boolean waitForResult) {
            ChildWorkflowOptions.Builder options = ChildWorkflowOptions.newBuilder().setWorkflowId(childId);
            if (!policy.isEmpty()) {
                options.setParentClosePolicy(ParentClosePolicy.valueOf("PARENT_CLOSE_POLICY_" + policy));
            }
            Child child = Workflow.newChildWorkflowStub(Child.class, options.build());
            Promise<String> result = Async.function(child::run, mode);
            try {
                String runId = Workflow.getWorkflowExecution(child).get().getRunId();
                return waitForResult ? result.get() : runId;
            } catch (ChildWorkflowFailure e) {
                if (e.getCause() instanceof WorkflowExecutionAlreadyStarted) {
                    return "not started: " + e.getCause().getClass().getSimpleName();
                }
                throw e;
            }
        }
    }

    @WorkflowInterface
    public interface Sender {
        /** "signal" sends {@link Child#finish()} to the target, "cancel" asks it to cancel. */
        @WorkflowMethod
        String run(String action, String targetId);
    }

    public static final class SenderImpl implements Sender {
        @Override
        public String run(String action, String targetId) {
            try {
                if (action.equals("signal")) {
                    Workflow.newExternalWorkflowStub(Child.class, targetId).finish();
                    return "signaled";
                }
                Workflow.newUntypedExternalWorkflowStub(targetId).cancel();
                return "cancel requested";
            } catch (SignalExternalWorkflowException | CancelExternalWorkflowException e) {
                return "failed: " + e.getClass().getSimpleName();
            } catch (ApplicationFailure e) {
                // How the SDK reports SignalExternalWorkflowExecutionFailed: the failure type is the cause.
                return "failed: " + e.getType();
            }
        }
    }

    @WorkflowInterface
    public interface Limits {
        /** Issues {@code count} commands of one kind ("child", "signal" or "cancel") in one workflow task, then waits. */
        @WorkflowMethod
        void run(String kind, int count);
    }

    public static final class LimitsImpl implements Limits {
        @Override
        public void run(String kind, int count) {
            String prefix = Workflow.getInfo().getWorkflowId() + "-target-";
            for (int i = 0; i < count; i++) {
                String id = prefix + i;
                switch (kind) {
                    case "child" -> Async.function(Workflow.newChildWorkflowStub(Child.class,
                            ChildWorkflowOptions.newBuilder().setWorkflowId(id).build())::run, "wait");
                    case "signal" -> Async.procedure(Workflow.newExternalWorkflowStub(Child.class, id)::finish);
                    default -> Async.procedure(Workflow.newUntypedExternalWorkflowStub(id)::cancel);
                }
            }
            Workflow.await(() -> false);
        }
    }
}
