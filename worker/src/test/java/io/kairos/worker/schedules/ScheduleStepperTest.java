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
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
        return new ScheduleStepper(store, new ScheduleVisibility(visibility), (ns, name) -> fx,
                Clock.fixed(now, ZoneOffset.UTC), new WorkerMetrics(new SimpleMeterRegistry()));
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
        ScheduleEffects racing = new ScheduleEffects() {
            boolean paused;

            @Override
            public StartOutcome start(StartWorkflowExecutionRequest request) {
                if (!paused) {
                    // An API call pauses the schedule while this step's start is in flight.
                    paused = true;
                    ScheduleRow row = store.get(ns, "raced").orElseThrow();
                    ScheduleRecord r = row.record().toBuilder().setSchedule(row.record().getSchedule().toBuilder()
                            .setState(ScheduleState.newBuilder().setPaused(true).setNotes("raced"))).build();
                    assertTrue(store.update(row.withRecord(r, T0, false)));
                }
                return inner.start(request);
            }

            @Override
            public Outcome check(WorkflowExecution execution) {
                return inner.check(execution);
            }

            @Override
            public boolean cancel(WorkflowExecution execution, String requestId, String identity) {
                return true;
            }

            @Override
            public boolean terminate(WorkflowExecution execution, String identity) {
                return true;
            }

            @Override
            public Outcome awaitClose(WorkflowExecution execution, java.time.Duration wait) {
                return inner.check(execution);
            }
        };
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
}
