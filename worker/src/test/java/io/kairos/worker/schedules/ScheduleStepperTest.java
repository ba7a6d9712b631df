package io.kairos.worker.schedules;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.schedule.PostgresScheduleStore;
import io.kairos.persistence.schedule.ScheduleStore;
import io.kairos.persistence.schedule.ScheduleStore.ScheduleRow;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.testing.EmbeddedDb;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.proto.persistence.v1.ScheduleRecord;
import io.kairos.worker.WorkerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.kairos.proto.persistence.v1.BufferedStart;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.schedule.v1.SchedulePolicies;
import io.temporal.api.schedule.v1.ScheduleState;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A step against the real tables: commit with a compare-and-swap, a step raced by an API call, the visibility row. */
class ScheduleStepperTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static HikariDataSource temporal;
    private static HikariDataSource visibilityDb;
    private static ScheduleStore store;
    private static PostgresVisibilityStore visibility;

    @BeforeAll
    static void db() {
        temporal = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        visibilityDb = EmbeddedDb.migrated(SchemaDatabase.VISIBILITY);
        store = new PostgresScheduleStore(new Jdbc(temporal));
        visibility = new PostgresVisibilityStore(new Jdbc(visibilityDb));
    }

    @AfterAll
    static void close() {
        temporal.close();
        visibilityDb.close();
    }

    private static ScheduleRow create(NamespaceId ns, String id) {
        ScheduleRecord.Builder r = ScheduleMachineTest.everyMinute(SchedulePolicies.getDefaultInstance());
        ScheduleRow row = new ScheduleRow(ns, id, UUID.randomUUID(), 1, 1, "req", T0, false, r.build());
        store.create(row);
        return row;
    }

    private static ScheduleStepper stepper(ScheduleEffects fx, Instant now) {
        return stepper(fx, now, new SimpleMeterRegistry());
    }

    private static ScheduleStepper stepper(ScheduleEffects fx, Instant now, SimpleMeterRegistry metrics) {
        return new ScheduleStepper(store, new ScheduleVisibility(visibility), (ns, name) -> fx,
                Clock.fixed(now, ZoneOffset.UTC), new WorkerMetrics(metrics));
    }

    private static ScheduleRow create(NamespaceId ns, String id, ScheduleRecord.Builder r) {
        ScheduleRow row = new ScheduleRow(ns, id, UUID.randomUUID(), 1, 1, "req", T0, false, r.build());
        store.create(row);
        return row;
    }

    /** The counter's value; the schedules' namespace name is "ns" (never tagged by schedule id). */
    private static double count(SimpleMeterRegistry metrics, String name, String... tags) {
        Counter c = metrics.find(name).tags("namespace", "ns").tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aStepCommitsItsStartAndTheVisibilityRow() {
        NamespaceId ns = NamespaceId.random();
        create(ns, "plain");
        ScheduleMachineTest.FakeEffects fx = new ScheduleMachineTest.FakeEffects();
        var res = stepper(fx, T0.plusSeconds(60)).step(ns, "plain");
        assertFalse(res.gone());
        assertEquals(T0.plusSeconds(120), res.nextWakeup());
        ScheduleRow row = store.get(ns, "plain").orElseThrow();
        assertEquals(2, row.version());
        assertEquals(1, row.record().getInfo().getActionCount());
        assertEquals(T0.plusSeconds(120), row.nextWakeup());
        var listed = visibility.list(ns, ScheduleQueries.compile("", new SearchAttributeCatalog(Map.of())), 10, null);
        assertEquals(1, listed.records().size());
        assertEquals("temporal-sys-scheduler:plain", listed.records().get(0).workflowId());
        assertEquals(2, listed.records().get(0).version());
    }

    @Test
    void aPauseThatRacesAStartStillRecordsTheStartedWorkflow() {
        NamespaceId ns = NamespaceId.random();
        create(ns, "raced");
        ScheduleMachineTest.FakeEffects inner = new ScheduleMachineTest.FakeEffects();
        // An API call pauses the schedule while this step's start is in flight.
        ScheduleEffects racing = racingFirstStart(inner, ns, "raced",
                ScheduleState.newBuilder().setPaused(true).setNotes("raced").build());
        stepper(racing, T0.plusSeconds(60)).step(ns, "raced");
        ScheduleRow row = store.get(ns, "raced").orElseThrow();
        assertTrue(row.record().getSchedule().getState().getPaused(), "the pause stands");
        assertEquals(1, inner.starts.size(), "the start was made once");
        assertEquals(1, row.record().getInfo().getActionCount(), "and it is recorded, since the workflow exists");
        assertEquals(1, row.record().getInfo().getRunningWorkflowsCount());
        assertEquals(0, row.record().getBufferedStartsCount());
    }

    @Test
    void aStepOfADeletedScheduleIsGone() {
        NamespaceId ns = NamespaceId.random();
        assertTrue(stepper(new ScheduleMachineTest.FakeEffects(), T0).step(ns, "never").gone());
    }

    @Test
    void whatAStepDroppedIsCountedOnceThoughARaceMadeItRunTwice() {
        NamespaceId ns = NamespaceId.random();
        create(ns, "late", ScheduleMachineTest.everyMinute(SchedulePolicies.newBuilder()
                .setCatchupWindow(com.google.protobuf.Duration.newBuilder().setSeconds(60)).build()));
        ScheduleMachineTest.FakeEffects inner = new ScheduleMachineTest.FakeEffects();
        // An API call changes the schedule (not its times) while the start is in flight.
        ScheduleEffects racing = racingFirstStart(inner, ns, "late", ScheduleState.newBuilder().setNotes("raced").build());
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        // Ten minutes late with a one-minute window: 00:01..00:08 are missed, 00:09 starts, 00:10 overlaps it (SKIP).
        stepper(racing, T0.plusSeconds(600), metrics).step(ns, "late");
        ScheduleRow row = store.get(ns, "late").orElseThrow();
        assertEquals("raced", row.record().getSchedule().getState().getNotes(), "the step ran again on the new version");
        assertEquals(8, row.record().getInfo().getMissedCatchupWindow());
        assertEquals(8.0, count(metrics, "schedule_missed_catchup_window", "reason", "not_buffered"));
        assertEquals(1.0, count(metrics, "schedule_overlap_skipped", "schedule_overlap_policy", "SCHEDULE_OVERLAP_POLICY_SKIP"));
        assertEquals(1, inner.starts.size());
        assertEquals(1.0, count(metrics, "schedule_action_success", "schedule_action", "start_workflow"));
        assertEquals(0.0, count(metrics, "schedule_action_errors", "schedule_action", "start_workflow"));
    }

    @Test
    void failedStartsAreErrorsButATakenWorkflowIdIsNot() {
        NamespaceId ns = NamespaceId.random();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        ScheduleEffects.StartOutcome[] outcomes = {new ScheduleEffects.Retry("UNAVAILABLE"),
                new ScheduleEffects.Rejected("ALREADY_EXISTS: workflow already started"),
                new ScheduleEffects.Rejected("INVALID_ARGUMENT: bad search attribute")};
        for (int i = 0; i < outcomes.length; i++) {
            create(ns, "s" + i, ScheduleMachineTest.everyMinute(SchedulePolicies.getDefaultInstance()));
            ScheduleMachineTest.FakeEffects fx = new ScheduleMachineTest.FakeEffects();
            fx.next = outcomes[i];
            stepper(fx, T0.plusSeconds(60), metrics).step(ns, "s" + i);
        }
        assertEquals(2.0, count(metrics, "schedule_action_errors", "schedule_action", "start_workflow"));
        assertEquals(0.0, count(metrics, "schedule_action_success", "schedule_action", "start_workflow"));
    }

    @Test
    void refusedCancelsAndTerminatesOfTheOverlapPolicyAreCounted() {
        NamespaceId ns = NamespaceId.random();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        for (ScheduleOverlapPolicy p : new ScheduleOverlapPolicy[]{ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER,
                ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER}) {
            create(ns, p.name(), ScheduleMachineTest.everyMinute(SchedulePolicies.newBuilder().setOverlapPolicy(p).build()));
            ScheduleMachineTest.FakeEffects fx = new ScheduleMachineTest.FakeEffects();
            stepper(fx, T0.plusSeconds(60), metrics).step(ns, p.name()); // starts a run that keeps running
            fx.refuseStops = true;
            stepper(fx, T0.plusSeconds(120), metrics).step(ns, p.name());
            assertEquals(1, fx.starts.size(), "the next start waits for the run to go");
        }
        assertEquals(1.0, count(metrics, "schedule_cancel_workflow_errors"));
        assertEquals(1.0, count(metrics, "schedule_terminate_workflow_errors"), "one refusal per step, not one per retry");
        assertEquals(2.0, count(metrics, "schedule_action_success", "schedule_action", "start_workflow"));
    }

    @Test
    void aStartDroppedByAFullBufferIsAnOverrun() {
        NamespaceId ns = NamespaceId.random();
        ScheduleRecord.Builder r = ScheduleMachineTest.everyMinute(SchedulePolicies.newBuilder()
                .setOverlapPolicy(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL).build());
        r.setInfo(r.getInfo().toBuilder().addRunningWorkflows(WorkflowExecution.newBuilder().setWorkflowId("wf-0").setRunId("r")));
        for (int i = 0; i < ScheduleMachine.MAX_BUFFER; i++) {
            r.addBufferedStarts(BufferedStart.newBuilder().setNominalTime(Times.proto(T0)).setActualTime(Times.proto(T0))
                    .setRequestId("old-" + i));
        }
        create(ns, "full", r);
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        stepper(new ScheduleMachineTest.FakeEffects(), T0.plusSeconds(60), metrics).step(ns, "full");
        assertEquals(1, store.get(ns, "full").orElseThrow().record().getInfo().getBufferDropped());
        assertEquals(1.0, count(metrics, "schedule_buffer_overruns"));
    }

    /** Effects whose first start races an API call that sets the schedule's state. */
    private ScheduleEffects racingFirstStart(ScheduleEffects inner, NamespaceId ns, String id, ScheduleState state) {
        return new Delegating(inner) {
            boolean raced;

            @Override
            public StartOutcome start(StartWorkflowExecutionRequest request) {
                if (!raced) {
                    raced = true;
                    ScheduleRow row = store.get(ns, id).orElseThrow();
                    ScheduleRecord r = row.record().toBuilder().setSchedule(row.record().getSchedule().toBuilder()
                            .setState(state)).build();
                    assertTrue(store.update(row.withRecord(r, T0, false)));
                }
                return super.start(request);
            }
        };
    }

    /** Effects that pass everything to another. */
    private static class Delegating implements ScheduleEffects {
        private final ScheduleEffects inner;

        Delegating(ScheduleEffects inner) {
            this.inner = inner;
        }

        @Override
        public StartOutcome start(StartWorkflowExecutionRequest request) {
            return inner.start(request);
        }

        @Override
        public Outcome check(WorkflowExecution execution) {
            return inner.check(execution);
        }

        @Override
        public boolean cancel(WorkflowExecution execution, String requestId, String identity) {
            return inner.cancel(execution, requestId, identity);
        }

        @Override
        public boolean terminate(WorkflowExecution execution, String identity) {
            return inner.terminate(execution, identity);
        }

        @Override
        public Outcome awaitClose(WorkflowExecution execution, java.time.Duration wait) {
            return inner.awaitClose(execution, wait);
        }
    }
}
