package io.kairos.bench;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How long a closed workflow takes to show up as closed in ListWorkflowExecutions, under the phase's load: every
 * {@link #EVERY}th completed workflow is looked up by id every 10 ms from the moment its result arrived.
 */
final class VisibilityLag {
    static final int EVERY = 20;
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final WorkflowServiceGrpc.WorkflowServiceBlockingStub api;
    private final String namespace;
    private final AtomicInteger seen = new AtomicInteger();
    private final List<Long> lagsNanos = new CopyOnWriteArrayList<>();
    private final AtomicInteger missed = new AtomicInteger();
    private final AtomicBoolean unsupported = new AtomicBoolean();
    private final List<Thread> probes = new CopyOnWriteArrayList<>();

    VisibilityLag(WorkflowServiceGrpc.WorkflowServiceBlockingStub api, String namespace) {
        this.api = api;
        this.namespace = namespace;
    }

    /** Called when a workflow's result arrived. */
    void closed(String workflowId, long resultNanos) {
        if (unsupported.get() || seen.incrementAndGet() % EVERY != 0) {
            return;
        }
        probes.add(Thread.ofVirtual().start(() -> watch(workflowId, resultNanos)));
    }

    private void watch(String workflowId, long resultNanos) {
        ListWorkflowExecutionsRequest req = ListWorkflowExecutionsRequest.newBuilder().setNamespace(namespace)
                .setPageSize(1).setQuery("WorkflowId = '" + workflowId + "'").build();
        while (System.nanoTime() - resultNanos < GIVE_UP_NANOS) {
            try {
                var page = api.withDeadlineAfter(5, TimeUnit.SECONDS).listWorkflowExecutions(req);
                if (page.getExecutionsCount() > 0 && page.getExecutions(0).getStatus()
                        != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
                    lagsNanos.add(System.nanoTime() - resultNanos);
                    return;
                }
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                    unsupported.set(true);
                    return;
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
        }
        missed.incrementAndGet();
    }

    /** Waits for the probes, then one line: "p50 .. ms, p99 .. ms, max .. ms (n samples, m not visible in 10 s)". */
    String summary() {
        for (Thread t : probes) {
            try {
                t.join(TimeUnit.NANOSECONDS.toMillis(GIVE_UP_NANOS) + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (unsupported.get()) {
            return "not measured (ListWorkflowExecutions is not implemented by this server)";
        }
        long[] l = lagsNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        if (l.length == 0) {
            return "no samples";
        }
        return String.format("p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d samples, %d not visible within 10 s)",
                pct(l, 0.50), pct(l, 0.99), l[l.length - 1] / 1e6, l.length, missed.get());
    }

    private static double pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
}
