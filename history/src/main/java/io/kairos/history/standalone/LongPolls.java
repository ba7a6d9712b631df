package io.kairos.history.standalone;

import io.kairos.common.errors.DeadlineExceededException;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.proto.persistence.v1.WorkflowMutableState;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The long polls of standalone executions (Poll, Describe with a token): wait for the hidden run to reach a state, at
 * most Temporal's long-poll timeout and a buffer before the caller's deadline; an expired wait is an empty answer the
 * caller polls again with, as Temporal's.
 */
final class LongPolls {
    /** common.DefaultLongPollTimeout */
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** common.DefaultLongPollBuffer: answer this long before the caller's deadline, so the empty response reaches it. */
    static final Duration BUFFER = Duration.ofSeconds(1);

    private LongPolls() {
    }

    static Optional<WorkflowMutableState> await(WorkflowUpdater updater, WorkflowKey key,
                                                Function<WorkflowKey, WorkflowMutableState> load,
                                                Predicate<WorkflowMutableState> done) {
        io.grpc.Deadline d = io.grpc.Context.current().getDeadline();
        long now = System.nanoTime();
        long until = now + TIMEOUT.toNanos();
        if (d != null) {
            until = Math.min(until, now + d.timeRemaining(TimeUnit.NANOSECONDS) - BUFFER.toNanos());
        }
        while (true) {
            CompletableFuture<Void> change = updater.notifier().nextChange(key); // before the read: no change is missed
            WorkflowMutableState s = load.apply(key);
            if (done.test(s)) {
                return Optional.of(s);
            }
            long left = until - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            if (io.grpc.Context.current().isCancelled()) {
                throw new DeadlineExceededException("context canceled");
            }
            try {
                change.get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException ignored) {
                // checked once more, then the empty answer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new io.kairos.common.errors.UnavailableException("interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
