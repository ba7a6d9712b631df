package io.kairos.bench;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;

import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** A benchmark workload: which workflow to start, and whether to signal it before waiting for its result. */
enum Variant {
    ONE_ACTIVITY("one-activity", "OneActivity", false, 0),
    NO_ACTIVITY("no-activity", "NoActivity", false, 0),
    TIMER_1S("timer-1s", "Timer1s", false, 1000),
    START_SIGNAL("start-signal", "SignalWait", true, 0);

    final String id;
    final String workflowType;
    final boolean signal;
    /** Latency the workflow has by design (the timer); latency targets are shifted by it. */
    final long inherentMillis;

    Variant(String id, String workflowType, boolean signal, long inherentMillis) {
        this.id = id;
        this.workflowType = workflowType;
        this.signal = signal;
        this.inherentMillis = inherentMillis;
    }

    static Variant byId(String id) {
        for (Variant v : values()) {
            if (v.id.equals(id.trim())) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown variant '" + id + "'; known: " + ids());
    }

    static String ids() {
        return Arrays.stream(values()).map(v -> v.id).collect(Collectors.joining(","));
    }

    /** Thrown when the server answers UNIMPLEMENTED for an RPC this variant needs. */
    static final class Unsupported extends Exception {
        Unsupported(String message) {
            super(message);
        }
    }

    /**
     * Starts one workflow, signals it if needed, and waits (until deadlineNanos at most) for its result.
     *
     * @return the workflow id
     */
    String runOne(WorkflowClient client, String taskQueue, long deadlineNanos) throws Exception {
        String workflowId = "bench-" + id + "-" + UUID.randomUUID();
        WorkflowStub stub = client.newUntypedWorkflowStub(workflowType, WorkflowOptions.newBuilder()
                .setTaskQueue(taskQueue).setWorkflowId(workflowId).build());
        try {
            stub.start("bench");
            if (signal) {
                stub.signal(BenchWorkflows.SIGNAL, "done");
            }
        } catch (RuntimeException e) {
            StatusRuntimeException unimplemented = unimplemented(e);
            if (unimplemented != null) {
                tryTerminate(stub);
                throw new Unsupported(unimplemented.getStatus().getCode() + ": "
                        + unimplemented.getStatus().getDescription());
            }
            throw e;
        }
        long ms = Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
        stub.getResult(ms, TimeUnit.MILLISECONDS, String.class);
        return workflowId;
    }

    private static void tryTerminate(WorkflowStub stub) {
        try {
            stub.terminate("benchmark: variant not supported by this server");
        } catch (RuntimeException ignored) {
            // the server may not support this either; the workflow then just waits until the server stops
        }
    }

    /** The UNIMPLEMENTED answer in t's causes, or null. */
    static StatusRuntimeException unimplemented(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                return s;
            }
        }
        return null;
    }
}
