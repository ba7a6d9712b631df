package io.kairos.worker.batch;

import com.zaxxer.hikari.HikariDataSource;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkerBucket;
import io.kairos.persistence.batch.BatchOperationStore;
import io.kairos.persistence.batch.PostgresBatchOperationStore;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.systemjob.PostgresSystemJobLeaseStore;
import io.kairos.persistence.testing.EmbeddedDb;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.proto.history.v1.TerminateWorkflowExecutionRequest;
import io.kairos.proto.worker.v1.NamespaceRef;
import io.kairos.worker.WorkerMetrics;
import io.kairos.worker.ownership.BucketLeases;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.batch.v1.BatchOperationTermination;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.StartBatchOperationRequest;
import io.temporal.api.workflowservice.v1.TerminateWorkflowExecutionResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A batch job against a fake history: Temporal's batcher counters, per workflow and per failed attempt. */
class BatchMetricsTest {
    private static HikariDataSource ds;
    private static Server server;
    private static ManagedChannel channel;
    /** Calls per workflow id, so a flaky one fails only its first time. */
    private static final Map<String, Integer> calls = new ConcurrentHashMap<>();

    @BeforeAll
    static void setUp() throws Exception {
        ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(new HistoryServiceGrpc.HistoryServiceImplBase() {
            @Override
            public void terminateWorkflowExecution(TerminateWorkflowExecutionRequest r,
                                                   StreamObserver<TerminateWorkflowExecutionResponse> o) {
                String id = r.getRequest().getWorkflowExecution().getWorkflowId();
                int n = calls.merge(id, 1, Integer::sum);
                if (id.startsWith("bad")) {
                    o.onError(Status.INVALID_ARGUMENT.withDescription("no").asRuntimeException());
                } else if (id.startsWith("gone")) {
                    o.onError(Status.NOT_FOUND.asRuntimeException());
                } else if (id.startsWith("flaky") && n == 1) {
                    o.onError(Status.UNAVAILABLE.asRuntimeException());
                } else {
                    o.onNext(TerminateWorkflowExecutionResponse.getDefaultInstance());
                    o.onCompleted();
                }
            }
        }).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterAll
    static void tearDown() {
        channel.shutdownNow();
        server.shutdownNow();
        ds.close();
    }

    @Test
    void eachWorkflowAndEachFailedAttemptIsCounted() throws Exception {
        Jdbc jdbc = new Jdbc(ds);
        BatchOperationStore store = new PostgresBatchOperationStore(jdbc);
        Set<Integer> all = IntStream.range(0, WorkerBucket.COUNT).boxed().collect(Collectors.toSet());
        BucketLeases leases = new BucketLeases(new PostgresSystemJobLeaseStore(jdbc), "w:1", () -> all, true,
                Duration.ofSeconds(1), Duration.ofSeconds(30));
        leases.reconcile();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // No visibility: a job over explicit executions never reads it.
        Batches batches = new Batches(store, null, HistoryServiceGrpc.newBlockingStub(channel), leases, Clock.systemUTC(),
                Duration.ofMillis(200), 1, new WorkerMetrics(registry));
        NamespaceId ns = NamespaceId.random();
        StartBatchOperationRequest.Builder req = StartBatchOperationRequest.newBuilder().setNamespace("orders")
                .setJobId("job-1").setReason("test").setMaxOperationsPerSecond(1000)
                .setTerminationOperation(BatchOperationTermination.getDefaultInstance());
        for (String id : new String[]{"ok-1", "ok-2", "bad-1", "gone-1", "flaky-1"}) {
            req.addExecutions(WorkflowExecution.newBuilder().setWorkflowId(id));
        }
        try {
            batches.operations().start(NamespaceRef.newBuilder().setId(ns.toString()).setName("orders").build(), req.build());
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (store.get(ns, "job-1").orElseThrow().state() == BatchOperationStore.RUNNING && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            var record = store.get(ns, "job-1").orElseThrow().record();
            assertEquals(4, record.getSuccessCount(), "ok-1, ok-2, gone-1 (NOT_FOUND is done) and flaky-1 on retry");
            assertEquals(1, record.getFailureCount());
            assertEquals(4.0, count(registry, "batcher_processor_requests"));
            assertEquals(2.0, count(registry, "batcher_processor_errors"), "bad-1, and flaky-1's first attempt");
            assertNull(registry.find("batcher_operation_errors").counter());
        } finally {
            batches.close();
            leases.close();
        }
    }

    private static double count(SimpleMeterRegistry registry, String name) {
        Counter c = registry.find(name).tags("namespace", "orders", "operation", "Batcher").counter();
        return c == null ? 0 : c.count();
    }
}
