package io.kairos.matching;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.DoubleValue;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.common.grpc.ErrorMapper;
import io.kairos.persistence.matching.PostgresTaskQueueStore;
import io.kairos.persistence.matching.TaskQueueKey;
import io.kairos.proto.matching.v1.DescribeTaskQueueRequest;
import io.kairos.proto.matching.v1.PollActivityTaskQueueRequest;
import io.kairos.proto.matching.v1.UpdateTaskQueueConfigRequest;
import io.temporal.api.enums.v1.RateLimitSource;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.RateLimit;
import io.temporal.api.taskqueue.v1.TaskQueueConfig;
import io.temporal.api.taskqueue.v1.TaskQueueMetadata;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static io.kairos.matching.MatchingHarness.addActivity;
import static io.kairos.matching.MatchingHarness.config;
import static io.kairos.matching.MatchingHarness.pollActivity;
import static io.kairos.matching.MatchingHarness.queue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UpdateTaskQueueConfig on the owning matching host: the stored configuration, its rate limit applied to dispatch,
 * Temporal's API / worker / system precedence, and the configuration surviving an unload, a restart and a move.
 */
class TaskQueueConfigTest {
    private static final TaskQueueType ACTIVITY = TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;

    private final MatchingHarness h = new MatchingHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    static UpdateTaskQueueConfigRequest setQueueLimit(String queue, TaskQueueType type, Float rps, String reason) {
        var update = io.temporal.api.workflowservice.v1.UpdateTaskQueueConfigRequest.RateLimitUpdate.newBuilder()
                .setReason(reason);
        if (rps != null) {
            update.setRateLimit(RateLimit.newBuilder().setRequestsPerSecond(rps));
        }
        return UpdateTaskQueueConfigRequest.newBuilder().setNamespaceId(MatchingHarness.NS.toString())
                .setRequest(io.temporal.api.workflowservice.v1.UpdateTaskQueueConfigRequest.newBuilder()
                        .setNamespace("default").setTaskQueue(queue).setTaskQueueType(type).setIdentity("ops@desk")
                        .setUpdateQueueRateLimit(update))
                .build();
    }

    private static DescribeTaskQueueRequest describe(String queue, TaskQueueType type, boolean reportConfig) {
        return DescribeTaskQueueRequest.newBuilder().setNamespaceId(MatchingHarness.NS.toString())
                .setRequest(io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest.newBuilder()
                        .setNamespace("default").setTaskQueue(queue(queue)).setTaskQueueType(type)
                        .setReportConfig(reportConfig).setIncludeTaskQueueStatus(true))
                .build();
    }

    private static PollActivityTaskQueueRequest pollWithRate(String queue, String identity, double rps) {
        PollActivityTaskQueueRequest p = pollActivity(queue, identity);
        return p.toBuilder().setPollRequest(p.getPollRequest().toBuilder().setTaskQueueMetadata(
                TaskQueueMetadata.newBuilder().setMaxTasksPerSecond(DoubleValue.of(rps)))).build();
    }

    private static void assertEffective(DescribeTaskQueueResponse r, double rps, RateLimitSource source) {
        assertEquals((float) rps, r.getEffectiveRateLimit().getRequestsPerSecond(), r.toString());
        assertEquals(source, r.getEffectiveRateLimit().getRateLimitSource(), r.toString());
    }

    @Test
    void anUpdateIsStoredReportedAndSurvivesAnUnloadAndARestart() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofMillis(200)));
        DescribeTaskQueueResponse before = node.blocking().describeTaskQueue(describe("orders", ACTIVITY, true));
        assertFalse(before.hasConfig(), "a queue never configured has no config");
        assertEffective(before, TaskQueueRateLimiter.SYSTEM_RPS, RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM);

        long t0 = System.currentTimeMillis();
        TaskQueueConfig set = node.blocking().updateTaskQueueConfig(setQueueLimit("orders", ACTIVITY, 2.5f, "noisy"))
                .getConfig();
        assertEquals(2.5f, set.getQueueRateLimit().getRateLimit().getRequestsPerSecond());
        assertEquals("noisy", set.getQueueRateLimit().getMetadata().getReason());
        assertEquals("ops@desk", set.getQueueRateLimit().getMetadata().getUpdateIdentity());
        long at = com.google.protobuf.util.Timestamps.toMillis(set.getQueueRateLimit().getMetadata().getUpdateTime());
        assertTrue(at >= t0 - 1000 && at <= System.currentTimeMillis() + 1000, "update time is now: " + at);
        assertFalse(set.hasFairnessKeysRateLimitDefault(), "an update not in the request is left alone");

        DescribeTaskQueueResponse described = node.blocking().describeTaskQueue(describe("orders", ACTIVITY, true));
        assertEquals(set, described.getConfig());
        assertEffective(described, 2.5, RateLimitSource.RATE_LIMIT_SOURCE_API);
        assertEquals(2.5, described.getTaskQueueStatus().getRatePerSecond(), 1e-6, "legacy status carries the rate");
        assertFalse(node.blocking().describeTaskQueue(describe("orders", ACTIVITY, false)).hasConfig(),
                "config only with report_config");
        assertFalse(node.blocking().describeTaskQueue(describe("orders", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, true))
                .hasConfig(), "per task type");

        // The fairness default is stored next to it; a later unset keeps the metadata but drops the rate.
        var fairness = setQueueLimit("orders", ACTIVITY, 1f, "per key").toBuilder();
        var perKey = fairness.getRequest().getUpdateQueueRateLimit();
        fairness.getRequestBuilder().clearUpdateQueueRateLimit().setUpdateFairnessKeyRateLimitDefault(perKey);
        TaskQueueConfig both = node.blocking().updateTaskQueueConfig(fairness.build()).getConfig();
        assertEquals(set.getQueueRateLimit(), both.getQueueRateLimit());
        assertEquals(1f, both.getFairnessKeysRateLimitDefault().getRateLimit().getRequestsPerSecond());

        node.close(); // a restart: a new host on the same database
        MatchingHarness.Node again = h.start(config(Duration.ofMillis(200)));
        DescribeTaskQueueResponse afterRestart = again.blocking().describeTaskQueue(describe("orders", ACTIVITY, true));
        assertEquals(both, afterRestart.getConfig());
        assertEffective(afterRestart, 2.5, RateLimitSource.RATE_LIMIT_SOURCE_API);
        again.blocking().pollActivityTaskQueue(pollActivity("orders", "w")); // loads the queue: config read at load
        assertEffective(again.blocking().describeTaskQueue(describe("orders", ACTIVITY, false)), 2.5,
                RateLimitSource.RATE_LIMIT_SOURCE_API);

        TaskQueueConfig unset = again.blocking().updateTaskQueueConfig(setQueueLimit("orders", ACTIVITY, null, "calm"))
                .getConfig();
        assertFalse(unset.getQueueRateLimit().hasRateLimit());
        assertEquals("calm", unset.getQueueRateLimit().getMetadata().getReason());
        assertEffective(again.blocking().describeTaskQueue(describe("orders", ACTIVITY, false)),
                TaskQueueRateLimiter.SYSTEM_RPS, RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM);
    }

    @Test
    void theQueueRateLimitPacesDispatchAndPollsWaitForTheirToken() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(10)));
        node.blocking().updateTaskQueueConfig(setQueueLimit("slow", ACTIVITY, 5f, ""));
        for (int i = 0; i < 10; i++) {
            node.blocking().addActivityTask(addActivity("slow", "wf-" + i, 5, 1));
        }
        long t0 = System.nanoTime();
        List<ListenableFuture<PollActivityTaskQueueResponse>> polls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            polls.add(node.async().pollActivityTaskQueue(pollActivity("slow", "w-" + i)));
        }
        for (var p : polls) {
            assertFalse(p.get(10, TimeUnit.SECONDS).getTaskToken().isEmpty(), "every poll gets a task, none fails");
        }
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        // a burst of 5, then 5 more at 5/s: about 1 s
        assertTrue(elapsedMs >= 800, "10 tasks at 5/s took only " + elapsedMs + " ms");
        assertTrue(node.blocking().describeTaskQueue(DescribeTaskQueueRequest.newBuilder()
                .setNamespaceId(MatchingHarness.NS.toString()).setRequest(describe("slow", ACTIVITY, false).getRequest()
                        .toBuilder().setReportStats(true)).build()).getStats().getRateLimitingActive());

        // Without a limit the same burst goes at once.
        for (int i = 0; i < 10; i++) {
            node.blocking().addActivityTask(addActivity("fast", "wf-" + i, 5, 1));
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            node.blocking().pollActivityTaskQueue(pollActivity("fast", "w"));
        }
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1) < elapsedMs);
    }

    @Test
    void aZeroRatePausesTheQueueUntilRaisedAndStaleTasksGiveTheirTokenBack() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(10)));
        node.blocking().updateTaskQueueConfig(setQueueLimit("paused", ACTIVITY, 0f, "maintenance"));
        node.blocking().addActivityTask(addActivity("paused", "wf-1", 5, 1));
        ListenableFuture<PollActivityTaskQueueResponse> poll = node.async().pollActivityTaskQueue(
                pollActivity("paused", "w"));
        node.awaitWaitingPolls("paused", ACTIVITY, 1);
        Thread.sleep(300);
        assertFalse(poll.isDone(), "nothing is dispatched at rate 0");

        node.blocking().updateTaskQueueConfig(setQueueLimit("paused", ACTIVITY, 1f, "resume"));
        assertEquals("wf-1", poll.get(5, TimeUnit.SECONDS).getWorkflowExecution().getWorkflowId());

        // At 1/s the token just used is due in a second; a stale task hands its token back at once.
        Thread.sleep(1100);
        h.history.thenAnswer(FakeHistory.Answer.NOT_FOUND);
        node.blocking().addActivityTask(addActivity("paused", "wf-stale", 5, 1));
        node.blocking().addActivityTask(addActivity("paused", "wf-2", 5, 1));
        long t0 = System.nanoTime();
        assertEquals("wf-2", node.blocking().pollActivityTaskQueue(pollActivity("paused", "w"))
                .getWorkflowExecution().getWorkflowId());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 700, "the stale task's token was reused");
    }

    @Test
    void aWorkersRateAppliesUnlessTheApiSetsOneAndTheLastPollWins() {
        MatchingHarness.Node node = h.start(config(Duration.ofMillis(100)));
        node.blocking().pollActivityTaskQueue(pollWithRate("orders", "limited-worker", 3));
        DescribeTaskQueueResponse r = node.blocking().describeTaskQueue(describe("orders", ACTIVITY, true));
        assertEffective(r, 3, RateLimitSource.RATE_LIMIT_SOURCE_WORKER);
        assertEquals(3, r.getPollers(0).getRatePerSecond(), "the poller's own rate");

        node.blocking().updateTaskQueueConfig(setQueueLimit("orders", ACTIVITY, 10f, ""));
        assertEffective(node.blocking().describeTaskQueue(describe("orders", ACTIVITY, true)), 10,
                RateLimitSource.RATE_LIMIT_SOURCE_API);
        node.blocking().updateTaskQueueConfig(setQueueLimit("orders", ACTIVITY, null, ""));
        assertEffective(node.blocking().describeTaskQueue(describe("orders", ACTIVITY, true)), 3,
                RateLimitSource.RATE_LIMIT_SOURCE_WORKER);

        node.blocking().pollActivityTaskQueue(pollActivity("orders", "plain-worker"));
        assertEffective(node.blocking().describeTaskQueue(describe("orders", ACTIVITY, true)),
                TaskQueueRateLimiter.SYSTEM_RPS, RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM);
    }

    @Test
    void anUnspecifiedTypeIsStoredButAppliesToNoQueue() {
        MatchingHarness.Node node = h.start(config(Duration.ofMillis(100)));
        TaskQueueConfig stored = node.blocking().updateTaskQueueConfig(
                setQueueLimit("orders", TaskQueueType.TASK_QUEUE_TYPE_UNSPECIFIED, 1f, "")).getConfig();
        assertEquals(1f, stored.getQueueRateLimit().getRateLimit().getRequestsPerSecond());
        assertEquals(stored, new PostgresTaskQueueStore(h.jdbc, Clock.systemUTC())
                .readConfig(MatchingHarness.NS, "orders", TaskQueueType.TASK_QUEUE_TYPE_UNSPECIFIED));
        for (TaskQueueType t : List.of(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, ACTIVITY)) {
            DescribeTaskQueueResponse r = node.blocking().describeTaskQueue(describe("orders", t, true));
            assertFalse(r.hasConfig());
            assertEffective(r, TaskQueueRateLimiter.SYSTEM_RPS, RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM);
        }
        assertEquals(0, node.blocking().describeMatchingHost(
                io.kairos.proto.matching.v1.DescribeMatchingHostRequest.getDefaultInstance()).getLoadedTaskQueues());
    }

    @Test
    void theConfigurationMovesWithTheQueueAndTheOldOwnerCannotWriteIt() throws Exception {
        Map<String, String> owners = new ConcurrentHashMap<>();
        Function<String, Function<TaskQueueKey, String>> placement = self -> key -> {
            String owner = owners.getOrDefault(key.name(), "a");
            return owner.equals(self) ? null : owner;
        };
        MatchingHarness.Node a = h.start(config(Duration.ofMillis(200)), "a", placement.apply("a"));
        MatchingHarness.Node b = h.start(config(Duration.ofMillis(200)), "b", placement.apply("b"));
        a.blocking().updateTaskQueueConfig(setQueueLimit("moving", ACTIVITY, 4f, "on a"));

        owners.put("moving", "b");
        a.service.rebalance();
        b.service.rebalance();
        b.blocking().pollActivityTaskQueue(pollActivity("moving", "w")); // b loads the queue
        assertEffective(b.blocking().describeTaskQueue(describe("moving", ACTIVITY, true)), 4,
                RateLimitSource.RATE_LIMIT_SOURCE_API);
        StatusRuntimeException moved = assertThrows(StatusRuntimeException.class,
                () -> a.blocking().updateTaskQueueConfig(setQueueLimit("moving", ACTIVITY, 9f, "from a")));
        assertEquals(Status.Code.UNAVAILABLE, moved.getStatus().getCode());
        assertNotNull(ErrorMapper.ownershipMoved(moved));
        assertEquals(4f, b.blocking().describeTaskQueue(describe("moving", ACTIVITY, true)).getConfig()
                .getQueueRateLimit().getRateLimit().getRequestsPerSecond());
    }

    @Test
    void anOwnerWhoseLeaseWasTakenUnloadsAndTheUpdateIsWrittenUnderAFreshLease() throws Exception {
        MatchingHarness.Node a = h.start(config(Duration.ofSeconds(5)));
        a.blocking().updateTaskQueueConfig(setQueueLimit("taken", ACTIVITY, 4f, "first"));
        // another host takes the lease without this one hearing of it (a race with a membership change)
        new PostgresTaskQueueStore(h.jdbc, Clock.systemUTC()).acquire(
                new TaskQueueKey(MatchingHarness.NS, "taken", ACTIVITY), TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
        TaskQueueConfig after = a.blocking().updateTaskQueueConfig(setQueueLimit("taken", ACTIVITY, 6f, "second"))
                .getConfig();
        // the stale manager unloaded itself and the retry on a fresh load wrote it, fenced by the new lease
        assertEquals(6f, after.getQueueRateLimit().getRateLimit().getRequestsPerSecond());
        assertEquals(after, new PostgresTaskQueueStore(h.jdbc, Clock.systemUTC())
                .readConfig(MatchingHarness.NS, "taken", ACTIVITY));
    }
}
