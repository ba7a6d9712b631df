package io.kairos.matching;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.kairos.proto.persistence.v1.BacklogTaskInfo;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * One long poll waiting for a task. It holds no thread: the poll's answer is a future completed by whoever
 * matches it (an add, the backlog), by its timeout, or by a cancelled call.
 *
 * <p>States: WAITING (may be matched) -> MATCHED (history is being asked to start a task for it) -> DONE, or
 * WAITING -> DONE (timed out, cancelled, queue unloaded). A MATCHED poll whose task turned out stale goes back
 * to WAITING and keeps serving. Transitions are compare-and-set, so a timeout racing a match has one winner.
 *
 * @param <R> the poll response type (workflow or activity)
 */
final class PollWaiter<R extends Message> {
    private enum State { WAITING, MATCHED, DONE }

    private final AtomicReference<State> state = new AtomicReference<>(State.WAITING);
    private final CompletableFuture<R> result = new CompletableFuture<>();
    private final String identity;
    private final Instant deadline;
    private final Duration wait;
    private final R empty;
    private final Function<BacklogTaskInfo, CompletableFuture<R>> starter;
    private final Function<MemoryTask<?>, CompletableFuture<R>> queryStarter;
    private volatile TaskQueueManager owner;
    private volatile ScheduledFuture<?> timeout;

    /**
     * @param starter asks history to start a task for this poller (Record*TaskStarted)
     */
    PollWaiter(String identity, Instant now, Duration wait, R empty, Function<BacklogTaskInfo, CompletableFuture<R>> starter) {
        this(identity, now, wait, empty, starter, null);
    }

    /**
     * @param queryStarter builds the poll response for an in-memory task: a query task (workflow polls) or a Nexus
     *                     task (Nexus polls); null for activity polls
     */
    PollWaiter(String identity, Instant now, Duration wait, R empty, Function<BacklogTaskInfo, CompletableFuture<R>> starter,
               Function<MemoryTask<?>, CompletableFuture<R>> queryStarter) {
        this.queryStarter = queryStarter;
        this.identity = identity;
        this.deadline = now.plus(wait);
        this.wait = wait;
        this.empty = empty;
        this.starter = starter;
    }

    String identity() {
        return identity;
    }

    Instant deadline() {
        return deadline;
    }

    /** Completes with the poll's answer: a task, the empty response, or history's error. */
    CompletableFuture<R> result() {
        return result;
    }

    boolean isWaiting() {
        return state.get() == State.WAITING;
    }

    boolean isDone() {
        return state.get() == State.DONE;
    }

    void attach(TaskQueueManager manager) {
        owner = manager;
    }

    /** Answers empty at the deadline. Runs the expiry on {@code executor} so the timer thread stays free. */
    void armTimeout(ScheduledExecutorService timer, Executor executor) {
        try {
            timeout = timer.schedule(() -> executor.execute(this::expire), wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) { // shutting down
            expire();
            return;
        }
        if (isDone()) {
            timeout.cancel(false);
        }
    }

    /** Claims this poll for a task. */
    boolean tryMatch() {
        return state.compareAndSet(State.WAITING, State.MATCHED);
    }

    /** After a stale task: the poll may be matched again. */
    boolean rewait() {
        return state.compareAndSet(State.MATCHED, State.WAITING);
    }

    /** Ends a waiting poll with the empty response; false when it is matched or already done. */
    boolean finishEmpty() {
        if (!state.compareAndSet(State.WAITING, State.DONE)) {
            return false;
        }
        done();
        result.complete(empty);
        return true;
    }

    /** Ends a waiting poll with an error (its queue could not be loaded). */
    boolean finishWithError(Throwable error) {
        if (!state.compareAndSet(State.WAITING, State.DONE)) {
            return false;
        }
        done();
        result.completeExceptionally(error);
        return true;
    }

    /** The call went away: free the slot so no task is handed to it. */
    void cancel() {
        expire();
    }

    private void expire() {
        if (finishEmpty()) {
            TaskQueueManager m = owner;
            if (m != null) {
                m.pollExpired(this);
            }
        }
    }

    /**
     * Asks history to start {@code task} for this (MATCHED) poll. STARTED answers the poll with history's
     * response and FAILED with history's error; STALE leaves the poll MATCHED for the caller to re-wait or end.
     */
    CompletableFuture<DispatchOutcome> dispatch(BacklogTaskInfo task) {
        CompletableFuture<R> call;
        try {
            call = starter.apply(task);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        return call.handle((response, error) -> {
            if (error == null) {
                finish(response, null);
                return DispatchOutcome.STARTED;
            }
            DispatchOutcome outcome = DispatchOutcome.of(Status.fromThrowable(error));
            if (outcome.kind() == DispatchOutcome.Kind.FAILED) {
                Throwable status = MatchingErrors.statusCause(error);
                finish(null, status != null ? status : error);
            }
            return outcome;
        });
    }

    /**
     * Hands a query or Nexus task to this (MATCHED) poll. Completes with null when the poll was answered with it, or with
     * the reason it could not be (history's error); then the poll stays MATCHED for the caller to re-wait.
     */
    CompletableFuture<Throwable> dispatchQuery(MemoryTask<?> task) {
        CompletableFuture<R> call;
        try {
            call = queryStarter == null
                    ? CompletableFuture.failedFuture(new IllegalStateException("this poll takes no in-memory tasks"))
                    : queryStarter.apply(task);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        return call.handle((response, error) -> {
            if (error != null) {
                Throwable status = MatchingErrors.statusCause(error);
                return status != null ? status : error;
            }
            finish(response, null);
            return null;
        });
    }

    private void finish(R response, Throwable error) {
        if (!state.compareAndSet(State.MATCHED, State.DONE)) {
            return;
        }
        done();
        if (error != null) {
            result.completeExceptionally(error);
        } else {
            result.complete(response);
        }
    }

    private void done() {
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
        }
    }
}
