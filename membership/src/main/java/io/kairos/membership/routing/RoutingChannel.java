package io.kairos.membership.routing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.common.grpc.ErrorMapper;
import io.kairos.proto.cluster.v1.OwnershipMovedFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A channel that sends each unary call to the host owning what the request is about ({@link Router}), and follows
 * ownership when it moves: a call answered with {@code OwnershipMovedFailure} for this channel's role, or failed by
 * the transport before any answer (connection refused or reset: the host died), is sent again, to the owner the
 * answer named or else to the owner the current membership view names, with a short backoff, until the caller's
 * deadline. So SDK clients never see a shard or queue move. A call that gives up passes on a plain UNAVAILABLE
 * (details stripped, so no router upstream mistakes another role's move for its own).
 *
 * <p>Tolerated race, named: a request whose connection broke after the owner received it is sent again; every
 * internal RPC is safe to repeat (request ids, task tokens and state checks make the second one a no-op or a
 * NOT_FOUND for an already-completed task).
 */
public final class RoutingChannel extends Channel {
    private static final Logger log = LoggerFactory.getLogger(RoutingChannel.class);
    private static final ScheduledExecutorService RETRIES = retryTimer();
    static final long MAX_BACKOFF_MILLIS = 1000;

    /** Picks the owner's address for a request; null when no host of the role is live right now. */
    @FunctionalInterface
    public interface Router {
        String route(Object request);
    }

    /** Sends the call to this address, whatever the router says (DescribeHistoryHost of one host). */
    public static final CallOptions.Key<String> TARGET = CallOptions.Key.create("kairos-route-target");

    private final String role;
    private final Router router;
    private final ChannelPool pool;
    private final Duration retryWithoutDeadline;

    /**
     * @param role                 "history" or "matching": the moves this channel follows
     * @param retryWithoutDeadline how long a call without a deadline keeps following moves
     */
    public RoutingChannel(String role, Router router, ChannelPool pool, Duration retryWithoutDeadline) {
        this.role = role;
        this.router = router;
        this.pool = pool;
        this.retryWithoutDeadline = retryWithoutDeadline;
    }

    @Override
    public <Q, A> ClientCall<Q, A> newCall(MethodDescriptor<Q, A> method, CallOptions options) {
        if (method.getType() != MethodDescriptor.MethodType.UNARY) {
            throw new UnsupportedOperationException("routing channels carry unary calls only: " + method.getFullMethodName());
        }
        return new RoutedCall<>(method, options, Context.current());
    }

    @Override
    public String authority() {
        return role;
    }

    private static ScheduledExecutorService retryTimer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "kairos-routing-retry");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    /** One logical call: attempts go to owners in turn until one answers for real. */
    private final class RoutedCall<Q, A> extends ClientCall<Q, A> {
        private final MethodDescriptor<Q, A> method;
        private final CallOptions options;
        private final Context context;
        private final long giveUpAt;
        private final Executor callbackExecutor;
        private Listener<A> listener;
        private Metadata headers;
        private Q message;
        private int requested;
        private ClientCall<Q, A> current;
        private boolean cancelled;
        private boolean finished;
        private int attempts;
        private String hint;

        RoutedCall(MethodDescriptor<Q, A> method, CallOptions options, Context context) {
            this.method = method;
            this.options = options;
            this.context = context;
            long now = System.nanoTime();
            Deadline d = options.getDeadline();
            Deadline c = context.getDeadline();
            Deadline effective = d == null ? c : c == null ? d : d.minimum(c);
            this.giveUpAt = effective == null ? now + retryWithoutDeadline.toNanos()
                    : now + effective.timeRemaining(TimeUnit.NANOSECONDS);
            Executor e = options.getExecutor();
            this.callbackExecutor = e != null ? e : Runnable::run;
        }

        @Override
        public void start(Listener<A> l, Metadata h) {
            this.listener = l;
            this.headers = h;
        }

        @Override
        public void request(int n) {
            ClientCall<Q, A> c;
            synchronized (this) {
                requested += n;
                c = current;
            }
            if (c != null) {
                c.request(n);
            }
        }

        @Override
        public void sendMessage(Q m) {
            this.message = m;
        }

        @Override
        public void halfClose() {
            attempt();
        }

        @Override
        public void cancel(String msg, Throwable cause) {
            ClientCall<Q, A> c;
            synchronized (this) {
                cancelled = true;
                c = current;
            }
            if (c != null) {
                c.cancel(msg, cause);
            } else {
                finish(Status.CANCELLED.withDescription(msg).withCause(cause), new Metadata());
            }
        }

        @Override
        public boolean isReady() {
            ClientCall<Q, A> c = current;
            return c != null && c.isReady();
        }

        private void attempt() {
            String target;
            synchronized (this) {
                if (cancelled || finished) {
                    return;
                }
                String fixed = options.getOption(TARGET);
                target = hint != null && !hint.isEmpty() ? hint : fixed != null ? fixed : router.route(message);
                hint = null;
            }
            if (target == null) {
                retryOrFinish(Status.UNAVAILABLE.withDescription("no live " + role + " host"), new Metadata(), null);
                return;
            }
            context.run(() -> {
                ClientCall<Q, A> call;
                try {
                    call = pool.channel(target).newCall(method, options);
                } catch (RuntimeException e) {
                    retryOrFinish(Status.UNAVAILABLE.withDescription(e.getMessage()).withCause(e), new Metadata(), null);
                    return;
                }
                int n;
                synchronized (this) {
                    if (cancelled) {
                        return;
                    }
                    current = call;
                    n = requested;
                }
                Metadata copy = new Metadata();
                copy.merge(headers);
                call.start(new AttemptListener(call), copy);
                if (n > 0) {
                    call.request(n);
                }
                call.sendMessage(message);
                call.halfClose();
            });
        }

        /** Passes an attempt's answer on, unless it says "not here" before any response. */
        private final class AttemptListener extends Listener<A> {
            private final ClientCall<Q, A> call;
            private Metadata attemptHeaders;
            private boolean committed;

            AttemptListener(ClientCall<Q, A> call) {
                this.call = call;
            }

            @Override
            public void onHeaders(Metadata h) {
                attemptHeaders = h;
            }

            @Override
            public void onMessage(A m) {
                if (!committed) {
                    committed = true;
                    if (attemptHeaders != null) {
                        listener.onHeaders(attemptHeaders);
                    }
                }
                listener.onMessage(m);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                synchronized (RoutedCall.this) {
                    if (current == call) {
                        current = null;
                    }
                }
                if (committed || status.isOk()) {
                    if (!committed && attemptHeaders != null) {
                        listener.onHeaders(attemptHeaders);
                    }
                    markFinished();
                    listener.onClose(status, trailers);
                    return;
                }
                OwnershipMovedFailure moved = ErrorMapper.ownershipMoved(new StatusRuntimeException(status, trailers));
                boolean ours = moved != null && moved.getRole().equals(role);
                boolean transport = status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null;
                if (!ours && !transport) {
                    if (attemptHeaders != null) {
                        listener.onHeaders(attemptHeaders);
                    }
                    markFinished();
                    listener.onClose(moved != null ? plain(status) : status, moved != null ? new Metadata() : trailers);
                    return;
                }
                retryOrFinish(status, trailers, ours ? moved.getOwnerAddress() : null);
            }
        }

        private void retryOrFinish(Status status, Metadata trailers, String ownerHint) {
            long delayMillis;
            synchronized (this) {
                if (cancelled || finished) {
                    return;
                }
                attempts++;
                delayMillis = attempts == 1 && ownerHint != null && !ownerHint.isEmpty() ? 0
                        : Math.min(MAX_BACKOFF_MILLIS, 10L << Math.min(attempts - 1, 10));
                hint = ownerHint;
            }
            long left = giveUpAt - System.nanoTime();
            if (context.isCancelled() || left - TimeUnit.MILLISECONDS.toNanos(delayMillis + 10) <= 0) {
                log.debug("component=routing role={} method={} msg=\"giving up following the owner\" attempts={} status={}",
                        role, method.getBareMethodName(), attempts, status.getCode());
                finish(plain(status), new Metadata());
                return;
            }
            if (attempts == 1 || attempts % 10 == 0) {
                log.debug("component=routing role={} method={} msg=\"owner moved or unreachable, sending again\" "
                        + "attempt={} hint={} status=\"{}\"", role, method.getBareMethodName(), attempts, ownerHint,
                        status.getDescription());
            }
            if (delayMillis == 0) {
                attempt();
            } else {
                RETRIES.schedule(this::attempt, delayMillis, TimeUnit.MILLISECONDS);
            }
        }

        private synchronized boolean markFinished() {
            boolean first = !finished;
            finished = true;
            return first;
        }

        /** Completes the call with our own status, on the caller's executor (a blocking stub waits on it). */
        private void finish(Status status, Metadata trailers) {
            if (!markFinished()) {
                return;
            }
            callbackExecutor.execute(() -> listener.onClose(status, trailers));
        }
    }

    /** The status without its details: what a caller that is not a router of this role may see. */
    private static Status plain(Status s) {
        return Status.UNAVAILABLE.withDescription(s.getDescription());
    }
}
