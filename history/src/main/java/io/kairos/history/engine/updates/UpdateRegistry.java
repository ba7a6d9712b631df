package io.kairos.history.engine.updates;

import io.kairos.history.engine.Mutation;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.lifecycle.UpdateLifecycle;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.update.v1.Outcome;
import io.temporal.api.update.v1.Request;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-flight updates of each run on this host, in memory as in Temporal: an admitted update that no worker has
 * accepted yet is lost with the process (the client's retry admits it again); accepted and completed updates are in
 * history and mutable state. Changed only under the run's lock, and only once the mutation deciding the change has
 * committed ({@link Mutation#afterCommit}); waiters hold an {@link Update} and watch its futures.
 */
final class UpdateRegistry {
    private final ConcurrentMap<WorkflowKey, Map<String, Update>> runs = new ConcurrentHashMap<>();
    private final AtomicLong admissionOrder = new AtomicLong();

    /** One update. {@code accepted} completes with null when accepted, with the failure when rejected. */
    static final class Update {
        final String id;
        final Request request;      // null for an accepted update restored from mutable state
        final long order;
        private volatile UpdateLifecycle.State state;
        private volatile long acceptedEventId;
        final CompletableFuture<Failure> accepted = new CompletableFuture<>();
        final CompletableFuture<Outcome> outcome = new CompletableFuture<>();

        Update(String id, Request request, UpdateLifecycle.State state, long order) {
            this.id = id;
            this.request = request;
            this.state = state;
            this.order = order;
        }

        UpdateLifecycle.State state() {
            return state;
        }

        long acceptedEventId() {
            return acceptedEventId;
        }

        void move(UpdateLifecycle.State to) {
            state = UpdateLifecycle.TABLE.move(state, to);
        }

        void accepted(long eventId) {
            move(UpdateLifecycle.State.ACCEPTED);
            acceptedEventId = eventId;
            accepted.complete(null);
        }

        boolean done() {
            return state == UpdateLifecycle.State.COMPLETED || state == UpdateLifecycle.State.REJECTED
                    || state == UpdateLifecycle.State.ABORTED;
        }
    }

    Update newAdmitted(String id, Request request) {
        return new Update(id, request, UpdateLifecycle.State.ADMITTED, admissionOrder.incrementAndGet());
    }

    /** A completed update read back from history: both futures already done. */
    static Update completed(String id, Outcome outcome) {
        Update u = new Update(id, null, UpdateLifecycle.State.COMPLETED, 0);
        u.accepted.complete(null);
        u.outcome.complete(outcome);
        return u;
    }

    Update get(WorkflowKey key, String id) {
        Map<String, Update> run = runs.get(key);
        return run == null ? null : run.get(id);
    }

    void put(WorkflowKey key, Update u) {
        runs.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(u.id, u);
    }

    void remove(WorkflowKey key, String id) {
        runs.computeIfPresent(key, (k, run) -> {
            run.remove(id);
            return run.isEmpty() ? null : run;
        });
    }

    /** The run's in-flight updates, in admission order. */
    List<Update> inFlight(WorkflowKey key) {
        Map<String, Update> run = runs.get(key);
        if (run == null) {
            return List.of();
        }
        List<Update> all = new ArrayList<>(run.values());
        all.sort(java.util.Comparator.comparingLong(u -> u.order));
        return all;
    }

    /** Forgets the run (it closed); its updates must have been aborted or completed. */
    void clear(WorkflowKey key) {
        runs.remove(key);
    }
}
