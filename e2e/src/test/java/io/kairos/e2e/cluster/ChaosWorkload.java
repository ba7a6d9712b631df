package io.kairos.e2e.cluster;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedResponse;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The chaos test's workflow (one activity, a 1 s timer, a signal) and a recorder of what the server acknowledged. */
final class ChaosWorkload {
    private ChaosWorkload() {
    }

    @WorkflowInterface
    public interface ChaosWorkflow {
        @WorkflowMethod
        String run(int n);

        @SignalMethod
        void poke(String value);
    }

    @ActivityInterface
    public interface ChaosActivities {
        int twice(int n);
    }

    public static class ChaosWorkflowImpl implements ChaosWorkflow {
        private final ChaosActivities activities = Workflow.newActivityStub(ChaosActivities.class,
                ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(20)).build());
        private String poked;

        @Override
        public String run(int n) {
            int doubled = activities.twice(n);
            Workflow.sleep(Duration.ofSeconds(1));
            Workflow.await(() -> poked != null);
            return expected(n, doubled, poked);
        }

        @Override
        public void poke(String value) {
            poked = value;
        }
    }

    public static class ChaosActivitiesImpl implements ChaosActivities {
        @Override
        public int twice(int n) {
            Activity.getExecutionContext(); // must run inside an activity
            return 2 * n;
        }
    }

    static String expected(int n, int doubled, String poked) {
        return n + ":" + doubled + ":" + poked;
    }

    /** A workflow task the server acknowledged: its run and the WorkflowTaskStarted event id it completed. */
    record AckedWorkflowTask(String workflowId, String runId, long startedEventId) {
    }

    /** An activity completion the server acknowledged: the attempt whose result it accepted. */
    record AckedActivity(String workflowId, String runId, String activityId, int attempt) {
    }

    /**
     * Sees every call the SDK workers make: remembers which task token belongs to which workflow task or activity
     * attempt, records each completion the server answered OK, and counts failed answers (the SDK retries those).
     */
    static final class AckRecorder implements ClientInterceptor {
        private final Map<com.google.protobuf.ByteString, AckedWorkflowTask> workflowTokens = new ConcurrentHashMap<>();
        private final Map<com.google.protobuf.ByteString, AckedActivity> activityTokens = new ConcurrentHashMap<>();
        final Set<AckedWorkflowTask> ackedWorkflowTasks = ConcurrentHashMap.newKeySet();
        final Set<AckedActivity> ackedActivities = ConcurrentHashMap.newKeySet();
        /**
         * Completions answered NOT_FOUND. The tolerated race: history committed the completion, the answer was lost with
         * its host (killed or drained), and the frontend's retry at the shard's new owner finds the activity already
         * completed, which Temporal also answers NOT_FOUND. The caller checks such an activity's history.
         */
        final Set<AckedActivity> notFoundActivities = ConcurrentHashMap.newKeySet();
        final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();

        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                private Q request;
                private final long startedAt = System.nanoTime();

                @Override
                public void sendMessage(Q message) {
                    request = message;
                    super.sendMessage(message);
                }

                @Override
                public void start(Listener<A> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        private A response;

                        @Override
                        public void onMessage(A message) {
                            response = message;
                            super.onMessage(message);
                        }

                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            polls(request, response, System.nanoTime() - startedAt);
                            record(method.getBareMethodName(), request, response, status);
                            super.onClose(status, trailers);
                        }
                    }, headers);
                }
            };
        }

        private void record(String method, Object request, Object response, Status status) {
            if (!status.isOk()) {
                failures.computeIfAbsent(method + " " + status.getCode(), k -> new AtomicLong()).incrementAndGet();
                if (status.getCode() == Status.Code.NOT_FOUND && request instanceof RespondActivityTaskCompletedRequest r
                        && activityTokens.containsKey(r.getTaskToken())) {
                    notFoundActivities.add(activityTokens.get(r.getTaskToken()));
                }
                return;
            }
            switch (response) {
                case PollWorkflowTaskQueueResponse r -> rememberWorkflowTask(r);
                case RespondWorkflowTaskCompletedResponse r -> {
                    if (r.hasWorkflowTask()) {
                        rememberWorkflowTask(r.getWorkflowTask());
                    }
                    r.getActivityTasksList().forEach(this::rememberActivity); // eager activities
                }
                case PollActivityTaskQueueResponse r -> rememberActivity(r);
                case null, default -> {
                }
            }
            if (request instanceof RespondWorkflowTaskCompletedRequest r) {
                AckedWorkflowTask t = workflowTokens.get(r.getTaskToken());
                if (t != null) {
                    ackedWorkflowTasks.add(t);
                }
            } else if (request instanceof RespondActivityTaskCompletedRequest r) {
                AckedActivity a = activityTokens.get(r.getTaskToken());
                if (a != null) {
                    ackedActivities.add(a);
                }
            }
        }

        private void rememberActivity(PollActivityTaskQueueResponse r) {
            if (!r.getTaskToken().isEmpty()) {
                activityTokens.put(r.getTaskToken(), new AckedActivity(r.getWorkflowExecution().getWorkflowId(),
                        r.getWorkflowExecution().getRunId(), r.getActivityId(), r.getAttempt()));
            }
        }

        private void rememberWorkflowTask(PollWorkflowTaskQueueResponse r) {
            if (!r.getTaskToken().isEmpty() && !r.hasQuery()) {
                workflowTokens.put(r.getTaskToken(), new AckedWorkflowTask(r.getWorkflowExecution().getWorkflowId(),
                        r.getWorkflowExecution().getRunId(), r.getStartedEventId()));
            }
        }

        /** Workflow task polls by queue kind and outcome: count and total wait (what the SDK's pollers experience). */
        final Map<String, long[]> pollStats = new ConcurrentHashMap<>();

        private void polls(Object request, Object response, long nanos) {
            if (request instanceof io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest r) {
                String kind = r.getTaskQueue().getKind() == io.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY
                        ? "sticky" : "normal";
                boolean task = response instanceof PollWorkflowTaskQueueResponse p && !p.getTaskToken().isEmpty();
                long[] st = pollStats.computeIfAbsent(kind + (task ? " task" : " empty/failed"), k -> new long[2]);
                synchronized (st) {
                    st[0]++;
                    st[1] += nanos / 1_000_000;
                }
            }
        }

        String pollSummary() {
            StringBuilder b = new StringBuilder();
            new java.util.TreeMap<>(pollStats).forEach((k, v) -> b.append(k).append('=').append(v[0]).append(" polls/")
                    .append(v[0] == 0 ? 0 : v[1] / v[0]).append(" ms avg; "));
            return b.toString();
        }

        long failureCount() {
            return failures.values().stream().mapToLong(AtomicLong::get).sum();
        }
    }
}
