package io.kairos.matching;

import com.google.common.util.concurrent.ListenableFuture;
import io.kairos.persistence.namespace.PostgresNamespaceStore;
import io.kairos.proto.persistence.v1.NamespaceRecord;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.temporal.api.enums.v1.NamespaceState;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.kairos.matching.MatchingHarness.addActivity;
import static io.kairos.matching.MatchingHarness.addWorkflow;
import static io.kairos.matching.MatchingHarness.await;
import static io.kairos.matching.MatchingHarness.config;
import static io.kairos.matching.MatchingHarness.pollActivity;
import static io.kairos.matching.MatchingHarness.pollWorkflow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Temporal's matching metrics, driven through the gRPC API of a matching host on the embedded database. */
class MatchingMetricsTest {
    private static final Tags ORDERS_WORKFLOW = Tags.of("namespace", "default", "taskqueue", "orders",
            "task_type", "Workflow", "partition", "0", "operation", "TaskQueueMgr");

    private final MatchingHarness h = new MatchingHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private static double count(MeterRegistry r, String name, Tags tags) {
        var c = r.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private static long timerCount(MeterRegistry r, String name, Tags tags) {
        var t = r.find(name).tags(tags).timer();
        return t == null ? 0 : t.count();
    }

    private static Gauge gauge(MeterRegistry r, String name, Tags tags) {
        return r.find(name).tags(tags).gauge();
    }

    @Test
    void aSyncMatchCountsAsSyncPollSuccessWithSyncMatchLatency() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(10)));
        ListenableFuture<PollWorkflowTaskQueueResponse> poll = node.async().pollWorkflowTaskQueue(pollWorkflow("orders", "w"));
        node.awaitWaitingPolls("orders", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, 1);
        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-1"));
        assertEquals("wf-1", poll.get(10, TimeUnit.SECONDS).getWorkflowExecution().getWorkflowId());

        MeterRegistry r = node.meters;
        // the namespace name comes from the poll (matching's adds carry only the id)
        assertEquals(1, count(r, "poll_success", ORDERS_WORKFLOW));
        assertEquals(1, count(r, "poll_success_sync", ORDERS_WORKFLOW));
        assertEquals(0, count(r, "poll_timeouts", ORDERS_WORKFLOW));
        assertEquals(1, timerCount(r, "syncmatch_latency", Tags.of("namespace", "default", "taskqueue", "orders",
                "task_type", "Workflow", "operation", "AddWorkflowTask")));
        assertEquals(0, timerCount(r, "asyncmatch_latency", Tags.of("taskqueue", "orders")));
        assertEquals(1, timerCount(r, "task_schedule_to_start_latency", Tags.of("namespace", "default",
                "taskqueue", "orders", "task_type", "Workflow")));
        assertEquals(1, count(r, "lease_requests", ORDERS_WORKFLOW), "the lease taken at load");
        assertEquals(0, count(r, "lease_failures", ORDERS_WORKFLOW));
        assertEquals(1, gauge(r, "loaded_task_queue_count", Tags.of("namespace", "default", "task_type", "Workflow")).value());
        assertEquals(1, gauge(r, "loaded_task_queue_family_count", Tags.of("namespace", "default")).value());

        // A second queue of the namespace joins the same gauges (one registration each, no re-registration warning).
        ListenableFuture<PollWorkflowTaskQueueResponse> other = node.async().pollWorkflowTaskQueue(pollWorkflow("invoices", "w"));
        node.awaitWaitingPolls("invoices", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, 1);
        assertEquals(2, gauge(r, "loaded_task_queue_count", Tags.of("namespace", "default", "task_type", "Workflow")).value());
        assertEquals(2, gauge(r, "loaded_task_queue_family_count", Tags.of("namespace", "default")).value());
        other.cancel(true);
    }

    @Test
    void aBacklogTaskIsCountedInTheBacklogGaugesAndDispatchedAsAsyncMatch() throws Exception {
        // the add loads the queue before any poll: the name comes from the namespace store
        new PostgresNamespaceStore(h.jdbc).create(MatchingHarness.NS, NamespaceRecord.newBuilder()
                .setInfo(NamespaceInfo.newBuilder().setName("billing").setId(MatchingHarness.NS.toString())
                        .setState(NamespaceState.NAMESPACE_STATE_REGISTERED))
                .build());
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(2)).withIdleQueueTimeout(Duration.ofMillis(50)));
        node.blocking().addActivityTask(addActivity("payments", "wf-1", 5, 1));
        node.blocking().addActivityTask(addActivity("payments", "wf-2", 5, 1));
        MeterRegistry r = node.meters;
        Tags queue = Tags.of("namespace", "billing", "taskqueue", "payments", "task_type", "Activity",
                "partition", "0", "operation", "TaskQueueMgr");
        assertEquals(2, gauge(r, "approximate_backlog_count", queue).value());
        Thread.sleep(300);
        double age = gauge(r, "approximate_backlog_age_seconds", queue).value();
        assertTrue(age >= 0.25 && age < 10, "backlog age " + age);

        PollActivityTaskQueueResponse got = node.blocking().pollActivityTaskQueue(pollActivity("payments", "w"));
        assertEquals("wf-1", got.getWorkflowExecution().getWorkflowId());
        await("backlog count down", () -> gauge(r, "approximate_backlog_count", queue).value() == 1);
        assertEquals(1, count(r, "poll_success", queue));
        assertEquals(0, count(r, "poll_success_sync", queue));
        await("async match recorded", () -> timerCount(r, "asyncmatch_latency", Tags.of("namespace", "billing",
                "taskqueue", "payments", "task_type", "Activity", "operation", "PollActivityTaskQueue")) == 1);
        assertEquals(0, timerCount(r, "syncmatch_latency", Tags.of("taskqueue", "payments")));

        node.blocking().pollActivityTaskQueue(pollActivity("payments", "w"));
        await("backlog empty", () -> gauge(r, "approximate_backlog_count", queue).value() == 0
                && gauge(r, "approximate_backlog_age_seconds", queue).value() == 0);

        // an unloaded queue's gauges go away
        await("idle queue unloaded", () -> {
            node.service.engine().sweep();
            return node.service.engine().loadedQueues() == 0;
        });
        assertNull(gauge(r, "approximate_backlog_count", queue));
        assertNull(gauge(r, "approximate_backlog_age_seconds", queue));
        assertNull(gauge(r, "loaded_task_queue_count", Tags.of("namespace", "billing", "task_type", "Activity")),
                "no queue of the namespace is loaded");
        assertEquals(2, count(r, "poll_success", queue), "counters outlive the unload");
    }

    @Test
    void aStickyQueueIsTaggedWithItsNormalQueueAndTheStickyPartition() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(10)));
        var sticky = MatchingHarness.sticky("worker-1-sticky");
        ListenableFuture<PollWorkflowTaskQueueResponse> poll = node.async().pollWorkflowTaskQueue(pollWorkflow(sticky, "w"));
        node.awaitWaitingPolls(sticky.getName(), TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, 1);
        node.blocking().addWorkflowTask(addWorkflow(sticky, "wf-1", 2));
        assertEquals("wf-1", poll.get(10, TimeUnit.SECONDS).getWorkflowExecution().getWorkflowId());

        Tags queue = Tags.of("namespace", "default", "taskqueue", "normal", "task_type", "Workflow",
                "partition", "__sticky__", "operation", "TaskQueueMgr");
        assertEquals(1, count(node.meters, "poll_success_sync", queue));
        assertEquals(0, gauge(node.meters, "approximate_backlog_count", queue).value());
        assertEquals(1, gauge(node.meters, "loaded_task_queue_partition_count", Tags.of("namespace", "default",
                "partition", "__sticky__")).value());
        assertNull(gauge(node.meters, "loaded_task_queue_count", Tags.of("namespace", "default")),
                "a sticky queue is not a root partition");
    }

    @Test
    void aWriteThatLostTheLeaseCountsAsConditionFailedAndTheReloadAsALeaseRequest() {
        MatchingHarness.Node a = h.start(config(Duration.ofMillis(300)));
        MatchingHarness.Node b = h.start(config(Duration.ofMillis(300)));
        a.blocking().addWorkflowTask(addWorkflow("orders", "wf-1"));
        b.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w")); // b's acquire moves range_id past a's lease
        a.blocking().addWorkflowTask(addWorkflow("orders", "wf-2")); // a's fenced write fails, a reloads, retries

        Tags queue = Tags.of("taskqueue", "orders", "task_type", "Workflow", "operation", "TaskQueueMgr");
        assertEquals(1, count(a.meters, "condition_failed_errors", queue));
        assertEquals(2, count(a.meters, "lease_requests", queue), "the first load and the reload");
        assertEquals(0, count(a.meters, "lease_failures", queue));
        // the reload counted what was in the table (wf-1 too, if b had not deleted it yet); reading it all resyncs
        a.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"));
        a.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"));
        await("backlog count back to 0", () -> gauge(a.meters, "approximate_backlog_count", queue).value() == 0);
    }

    @Test
    void aPollThatFindsNothingCountsAsTimeout() {
        MatchingHarness.Node node = h.start(config(Duration.ofMillis(300)));
        assertEquals(PollWorkflowTaskQueueResponse.getDefaultInstance(),
                node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w")));
        await("timeout counted", () -> count(node.meters, "poll_timeouts", ORDERS_WORKFLOW) == 1);
        assertEquals(0, count(node.meters, "poll_success", ORDERS_WORKFLOW));
    }

    @Test
    void anExpiredBacklogTaskCountsAsExpired() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(5)));
        node.blocking().addWorkflowTask(MatchingHarness.addWorkflowExpiring("orders", "wf-expiring", Duration.ofMillis(100)));
        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-kept"));
        Thread.sleep(200);
        assertEquals("wf-kept", node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"))
                .getWorkflowExecution().getWorkflowId());
        // the adds loaded the queue before the poll named the namespace, and it is not in the store
        Tags queue = Tags.of("namespace", "_unknown_", "taskqueue", "orders", "task_type", "Workflow");
        assertEquals(1, count(node.meters, "tasks_expired", queue));
        assertEquals(1, count(node.meters, "tasks_dropped", queue.and("reason", "expired_memory")));
    }
}
