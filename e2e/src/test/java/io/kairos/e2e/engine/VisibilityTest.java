package io.kairos.e2e.engine;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.SearchAttributes;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.operatorservice.v1.RemoveSearchAttributesRequest;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Visibility end to end: records written as runs start, upsert and close; List/Count/Scan with Temporal's query
 * language through the SDK client and raw stubs; custom search attributes; paging; malformed queries.
 */
class VisibilityTest {
    static final SearchAttributeKey<String> KEYWORD = SearchAttributeKey.forKeyword("CustomKeyword");
    static final SearchAttributeKey<Long> INT = SearchAttributeKey.forLong("CustomInt");
    static final SearchAttributeKey<OffsetDateTime> DATETIME = SearchAttributeKey.forOffsetDateTime("CustomDatetime");
    static final SearchAttributeKey<List<String>> LIST = SearchAttributeKey.forKeywordList("CustomList");

    @WorkflowInterface
    public interface VisWorkflow {
        @WorkflowMethod
        String run(String mode);

        @SignalMethod
        void finish();
    }

    public static final class VisWorkflowImpl implements VisWorkflow {
        private boolean done;

        @Override
        public String run(String mode) {
            if (mode.equals("upsert")) {
                Workflow.upsertTypedSearchAttributes(KEYWORD.valueSet("upserted"), INT.valueSet(42L),
                        LIST.valueSet(List.of("b", "c")));
            } else if (mode.equals("wait")) {
                Workflow.await(() -> done);
            }
            return mode;
        }

        @Override
        public void finish() {
            done = true;
        }
    }

    private static WorkerHarness h;
    private static WorkerFactory factory;
    private static String queue;
    private static WorkflowServiceGrpc.WorkflowServiceBlockingStub raw;
    private static OperatorServiceGrpc.OperatorServiceBlockingStub operator;
    private static final String P = "vis-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private static final OffsetDateTime DT = OffsetDateTime.of(2024, 5, 6, 7, 8, 9, 0, ZoneOffset.UTC);
    private static Instant beforeStarts;
    private static final List<String> pageIds = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        h = WorkerHarness.withDevServer("visibility");
        queue = "vis-" + UUID.randomUUID();
        factory = WorkerFactory.newInstance(h.client);
        factory.newWorker(queue).registerWorkflowImplementationTypes(VisWorkflowImpl.class);
        factory.start();
        raw = h.service.blockingStub();
        operator = OperatorServiceGrpc.newBlockingStub(h.service.getRawChannel());
        operator.addSearchAttributes(AddSearchAttributesRequest.newBuilder().setNamespace("default")
                .putSearchAttributes("CustomKeyword", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
                .putSearchAttributes("CustomInt", IndexedValueType.INDEXED_VALUE_TYPE_INT)
                .putSearchAttributes("CustomDatetime", IndexedValueType.INDEXED_VALUE_TYPE_DATETIME)
                .putSearchAttributes("CustomList", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST)
                .putSearchAttributes("CustomText", IndexedValueType.INDEXED_VALUE_TYPE_TEXT).build());

        beforeStarts = Instant.now().minusMillis(5);
        for (int i = 0; i < 3; i++) {
            String out = workflow(P + "done-" + i, io.temporal.common.SearchAttributes.newBuilder()
                    .set(KEYWORD, "start").set(INT, 7L + i).set(DATETIME, DT.plusDays(i)).set(LIST, List.of("x", "y"))
                    .build()).run("complete");
            assertEquals("complete", out);
        }
        assertEquals("upsert", workflow(P + "upsert", io.temporal.common.SearchAttributes.newBuilder()
                .set(KEYWORD, "start").build()).run("upsert"));
        for (int i = 0; i < 2; i++) {
            WorkflowClientStart.start(workflow(P + "open-" + i, io.temporal.common.SearchAttributes.EMPTY));
        }
        // 250 runs on a queue nobody polls: they stay Running.
        for (int i = 0; i < 250; i++) {
            String id = P + "page-" + String.format("%03d", i);
            raw.startWorkflowExecution(StartWorkflowExecutionRequest.newBuilder().setNamespace("default")
                    .setWorkflowId(id).setWorkflowType(WorkflowType.newBuilder().setName("PageWorkflow"))
                    .setTaskQueue(TaskQueue.newBuilder().setName("nobody-" + queue))
                    .setRequestId(UUID.randomUUID().toString()).build());
            pageIds.add(id);
        }
        awaitCount("WorkflowId STARTS_WITH '" + P + "'", 256);
    }

    /** Starts without waiting for the result. */
    static final class WorkflowClientStart {
        static void start(VisWorkflow w) {
            io.temporal.client.WorkflowClient.start(w::run, "wait");
        }
    }

    private static VisWorkflow workflow(String id, io.temporal.common.SearchAttributes sa) {
        return h.client.newWorkflowStub(VisWorkflow.class, WorkflowOptions.newBuilder().setTaskQueue(queue)
                .setWorkflowId(id).setTypedSearchAttributes(sa).setMemo(Map.of("note", "memo-" + id)).build());
    }

    @AfterAll
    static void stop() {
        if (factory != null) {
            factory.shutdownNow();
        }
        if (h != null) {
            h.close();
        }
    }

    private static long count(String q) {
        return raw.countWorkflowExecutions(CountWorkflowExecutionsRequest.newBuilder().setNamespace("default")
                .setQuery(q).build()).getCount();
    }

    private static void awaitCount(String q, long expected) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        long c;
        while ((c = count(q)) != expected && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(expected, c, q);
    }

    private static List<WorkflowExecutionInfo> listAll(String q, int pageSize) {
        List<WorkflowExecutionInfo> out = new ArrayList<>();
        ByteString token = ByteString.EMPTY;
        do {
            ListWorkflowExecutionsResponse r = raw.listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder()
                    .setNamespace("default").setQuery(q).setPageSize(pageSize).setNextPageToken(token).build());
            assertTrue(r.getExecutionsCount() <= pageSize);
            out.addAll(r.getExecutionsList());
            token = r.getNextPageToken();
        } while (!token.isEmpty());
        return out;
    }

    private static Set<String> ids(String q) {
        return listAll(q, 1000).stream().map(i -> i.getExecution().getWorkflowId()).collect(Collectors.toSet());
    }

    @Test
    void listAndCountByTypeAndStatusThroughTheSdk() {
        String q = "WorkflowType = 'VisWorkflow' AND WorkflowId STARTS_WITH '" + P + "'";
        List<WorkflowExecutionMetadata> all = h.client.listExecutions(q).toList();
        assertEquals(6, all.size());
        assertEquals(6, h.client.countWorkflows(q).getCount());
        assertEquals(4, h.client.countWorkflows(q + " AND ExecutionStatus = 'Completed'").getCount());
        assertEquals(2, h.client.countWorkflows(q + " AND ExecutionStatus = 'Running'").getCount());
        assertEquals(Set.of(P + "open-0", P + "open-1"), ids(q + " AND ExecutionStatus = 'Running'"));
        // default order: open runs first, then by close time descending
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, all.get(0).getStatus());
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, all.get(1).getStatus());
        assertEquals(P + "upsert", all.get(2).getExecution().getWorkflowId());
        assertEquals(P + "done-0", all.get(5).getExecution().getWorkflowId());
        WorkflowExecutionMetadata done = all.get(5);
        assertEquals("VisWorkflow", done.getWorkflowType());
        assertEquals(queue, done.getTaskQueue());
        assertTrue(done.getCloseTime() != null && !done.getCloseTime().isBefore(done.getStartTime()));
        assertEquals("memo-" + P + "done-0", done.getMemo("note", String.class));
        assertEquals("start", done.getTypedSearchAttributes().get(KEYWORD));
        assertEquals(7L, done.getTypedSearchAttributes().get(INT));
        assertEquals(List.of("x", "y"), done.getTypedSearchAttributes().get(LIST));
        assertTrue(done.getWorkflowExecutionInfo().getHistoryLength() >= 5);
        assertTrue(done.getWorkflowExecutionInfo().hasExecutionDuration());
    }

    @Test
    void closedWorkflowIsListedWithinOneSecond() throws Exception {
        String id = "vis-late-" + UUID.randomUUID();
        assertEquals("complete", workflow(id, io.temporal.common.SearchAttributes.EMPTY).run("complete"));
        long deadline = System.currentTimeMillis() + 1000;
        String q = "WorkflowId = '" + id + "' AND ExecutionStatus = 'Completed'";
        while (count(q) != 1 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(1, count(q));
    }

    @Test
    void startsWithAndTimeRanges() {
        assertEquals(Set.of(P + "done-0", P + "done-1", P + "done-2"), ids("WorkflowId STARTS_WITH '" + P + "done-'"));
        assertEquals(253, count("WorkflowId STARTS_WITH '" + P + "' AND WorkflowId NOT STARTS_WITH '" + P + "done-'"));
        String after = beforeStarts.toString();
        assertEquals(256, count("WorkflowId STARTS_WITH '" + P + "' AND StartTime > '" + after + "'"));
        assertEquals(0, count("WorkflowId STARTS_WITH '" + P + "' AND StartTime < '" + after + "'"));
        assertEquals(4, count("WorkflowId STARTS_WITH '" + P + "' AND CloseTime BETWEEN '" + after + "' AND '"
                + Instant.now().plusSeconds(60) + "'"));
        assertEquals(252, count("WorkflowId STARTS_WITH '" + P + "' AND CloseTime IS NULL"));
        assertEquals(250, count("WorkflowType = 'PageWorkflow' AND TaskQueue = 'nobody-" + queue + "'"));
    }

    @Test
    void customAttributesSetAtStartAndByUpsert() {
        String p = "WorkflowId STARTS_WITH '" + P + "' AND ";
        assertEquals(Set.of(P + "done-0", P + "done-1", P + "done-2"), ids(p + "CustomKeyword = 'start'"));
        assertEquals(Set.of(P + "upsert"), ids(p + "CustomKeyword = 'upserted' AND CustomInt = 42"));
        assertEquals(Set.of(P + "done-1", P + "done-2", P + "upsert"), ids(p + "CustomInt >= 8"));
        assertEquals(Set.of(P + "done-0", P + "done-1"), ids(p + "CustomInt IN (7, 8)"));
        assertEquals(Set.of(P + "done-1"), ids(p + "CustomDatetime > '" + DT.plusHours(1) + "' AND CustomDatetime < '"
                + DT.plusDays(2) + "'"));
        assertEquals(Set.of(P + "done-0", P + "done-1", P + "done-2"), ids(p + "CustomList = 'x'"));
        assertEquals(Set.of(P + "upsert"), ids(p + "CustomList IN ('c', 'zzz')"));
        assertEquals(Set.of(P + "done-0", P + "done-1", P + "done-2", P + "upsert"), ids(p + "CustomKeyword IS NOT NULL"));
        assertEquals(Set.of(P + "upsert"), ids(p + "CustomList != 'x'"));
        assertEquals(Set.of(P + "open-0", P + "open-1"), ids(p + "WorkflowType = 'VisWorkflow' AND CustomKeyword IS NULL"));
        assertEquals(Set.of(P + "done-2"), ids(p + "(CustomInt = 9 OR CustomInt = 100) AND NOT (CustomKeyword = 'upserted')"));
    }

    @Test
    void groupByExecutionStatus() {
        CountWorkflowExecutionsResponse r = raw.countWorkflowExecutions(CountWorkflowExecutionsRequest.newBuilder()
                .setNamespace("default").setQuery("WorkflowId STARTS_WITH '" + P + "' AND WorkflowId NOT STARTS_WITH '"
                        + P + "late-' GROUP BY ExecutionStatus").build());
        assertEquals(256, r.getCount());
        Map<String, Long> groups = new HashMap<>();
        for (var g : r.getGroupsList()) {
            groups.put(g.getGroupValues(0).getData().toStringUtf8(), g.getCount());
        }
        assertEquals(Map.of("\"Running\"", 252L, "\"Completed\"", 4L), groups);
    }

    @Test
    void pagingThroughTwoHundredFiftyWithPageSizeHundred() {
        String q = "WorkflowId STARTS_WITH '" + P + "page-'";
        List<Integer> pageSizes = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        ByteString token = ByteString.EMPTY;
        do {
            var r = raw.listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder().setNamespace("default")
                    .setQuery(q).setPageSize(100).setNextPageToken(token).build());
            pageSizes.add(r.getExecutionsCount());
            r.getExecutionsList().forEach(i -> seen.add(i.getExecution().getWorkflowId()));
            token = r.getNextPageToken();
        } while (!token.isEmpty());
        assertEquals(List.of(100, 100, 50), pageSizes);
        assertEquals(250, new HashSet<>(seen).size());
        assertEquals(new HashSet<>(pageIds), new HashSet<>(seen));
        // all open: start time descending, so the last started comes first
        assertEquals(pageIds.get(249), seen.get(0));
        assertEquals(pageIds.get(0), seen.get(249));
    }

    @Test
    void orderByWorkflowId() {
        List<String> asc = listAll("WorkflowId STARTS_WITH '" + P + "page-' ORDER BY WorkflowId ASC", 100).stream()
                .map(i -> i.getExecution().getWorkflowId()).toList();
        assertEquals(pageIds, asc);
        List<String> desc = listAll("WorkflowId STARTS_WITH '" + P + "page-' ORDER BY WorkflowId DESC", 30).stream()
                .map(i -> i.getExecution().getWorkflowId()).toList();
        List<String> reversed = new ArrayList<>(pageIds);
        java.util.Collections.reverse(reversed);
        assertEquals(reversed, desc);
        List<String> byStatus = listAll("WorkflowId STARTS_WITH '" + P + "' AND WorkflowType = 'VisWorkflow' "
                + "ORDER BY ExecutionStatus ASC, WorkflowId DESC", 2).stream()
                .map(i -> i.getExecution().getWorkflowId()).toList();
        assertEquals(List.of(P + "open-1", P + "open-0", P + "upsert", P + "done-2", P + "done-1", P + "done-0"), byStatus);
    }

    @Test
    void legacyOpenAndClosedLists() {
        var open = raw.listOpenWorkflowExecutions(ListOpenWorkflowExecutionsRequest.newBuilder().setNamespace("default")
                .setMaximumPageSize(10).setExecutionFilter(io.temporal.api.filter.v1.WorkflowExecutionFilter.newBuilder()
                        .setWorkflowId(P + "open-1")).build());
        assertEquals(1, open.getExecutionsCount());
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, open.getExecutions(0).getStatus());
        var closed = raw.listClosedWorkflowExecutions(ListClosedWorkflowExecutionsRequest.newBuilder().setNamespace("default")
                .setMaximumPageSize(10).setExecutionFilter(io.temporal.api.filter.v1.WorkflowExecutionFilter.newBuilder()
                        .setWorkflowId(P + "done-1")).build());
        assertEquals(1, closed.getExecutionsCount());
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, closed.getExecutions(0).getStatus());
    }

    @Test
    void searchAttributeRegistryAndValidation() {
        var listed = operator.listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace("default").build());
        assertEquals(IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST, listed.getCustomAttributesOrThrow("CustomList"));
        assertEquals(IndexedValueType.INDEXED_VALUE_TYPE_DATETIME, listed.getSystemAttributesOrThrow("StartTime"));
        assertInvalid(() -> operator.addSearchAttributes(AddSearchAttributesRequest.newBuilder().setNamespace("default")
                .putSearchAttributes("WorkflowId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD).build()), "reserved");
        assertInvalid(() -> operator.addSearchAttributes(AddSearchAttributesRequest.newBuilder().setNamespace("default")
                .putSearchAttributes("TemporalFoo", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD).build()), "reserved");
        assertInvalid(() -> operator.addSearchAttributes(AddSearchAttributesRequest.newBuilder().setNamespace("default")
                .putSearchAttributes("CustomInt", IndexedValueType.INDEXED_VALUE_TYPE_TEXT).build()), "already exists");
        // same type again is accepted
        operator.addSearchAttributes(AddSearchAttributesRequest.newBuilder().setNamespace("default")
                .putSearchAttributes("CustomInt", IndexedValueType.INDEXED_VALUE_TYPE_INT).build());
        StatusRuntimeException nf = assertThrows(StatusRuntimeException.class, () -> operator.removeSearchAttributes(
                RemoveSearchAttributesRequest.newBuilder().setNamespace("default").addSearchAttributes("Nope").build()));
        assertEquals(Status.Code.NOT_FOUND, nf.getStatus().getCode());

        assertInvalid(() -> startWithAttribute("Undefined", "\"x\""), "is not defined");
        assertInvalid(() -> startWithAttribute("CustomInt", "\"seven\""), "invalid value for search attribute CustomInt");
        assertInvalid(() -> startWithAttribute("CustomDatetime", "\"yesterday\""), "CustomDatetime");
        assertInvalid(() -> startWithAttribute("WorkflowId", "\"x\""), "can't be set");
        assertInvalid(() -> startWithAttribute("CustomKeyword", "\"" + "k".repeat(3000) + "\""), "exceeds size limit");
    }

    /** Values stored under an old type of a re-registered attribute make a query INVALID_ARGUMENT, not INTERNAL. */
    @Test
    void aQueryOverValuesOfAnAttributesOldTypeIsInvalidArgument() throws InterruptedException {
        String name = "Retyped" + UUID.randomUUID().toString().substring(0, 8).replace("-", "");
        operator.addSearchAttributes(AddSearchAttributesRequest.newBuilder().setNamespace("default")
                .putSearchAttributes(name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD).build());
        raw.startWorkflowExecution(StartWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setWorkflowId("retype-" + UUID.randomUUID()).setWorkflowType(WorkflowType.newBuilder().setName("X"))
                .setTaskQueue(TaskQueue.newBuilder().setName("nobody-" + queue)).setRequestId(UUID.randomUUID().toString())
                .setSearchAttributes(SearchAttributes.newBuilder().putIndexedFields(name, Payload.newBuilder()
                        .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                        .setData(ByteString.copyFromUtf8("\"abc\"")).build())).build());
        awaitCount(name + " = 'abc'", 1);
        operator.removeSearchAttributes(RemoveSearchAttributesRequest.newBuilder().setNamespace("default")
                .addSearchAttributes(name).build());
        operator.addSearchAttributes(AddSearchAttributesRequest.newBuilder().setNamespace("default")
                .putSearchAttributes(name, IndexedValueType.INDEXED_VALUE_TYPE_INT).build());
        assertInvalid(() -> raw.listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder().setNamespace("default")
                .setQuery(name + " = 5").build()), "do not match the attribute's type");
        assertInvalid(() -> raw.countWorkflowExecutions(io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest
                .newBuilder().setNamespace("default").setQuery(name + " > 5").build()), "do not match the attribute's type");
    }

    private static void startWithAttribute(String name, String json) {
        raw.startWorkflowExecution(StartWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setWorkflowId(P + "bad-" + UUID.randomUUID()).setWorkflowType(WorkflowType.newBuilder().setName("X"))
                .setTaskQueue(TaskQueue.newBuilder().setName("nobody-" + queue)).setRequestId(UUID.randomUUID().toString())
                .setSearchAttributes(SearchAttributes.newBuilder().putIndexedFields(name, Payload.newBuilder()
                        .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                        .setData(ByteString.copyFromUtf8(json)).build())).build());
    }

    private static void assertInvalid(Runnable call, String messagePart) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains(messagePart), e.getStatus().getDescription());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "WorkflowId =", "WorkflowId = 'a' AND", "= 'a'", "(WorkflowId = 'a'", "WorkflowId = 'a')",
            "WorkflowId = 'unterminated", "WorkflowId == 'a'", "WorkflowId ! 'a'", "WorkflowId LIKE 'a%'",
            "WorkflowId NOT LIKE 'a%'", "Unknown = 'a'", "`Custom Field` = 'a'", "WorkflowId = abc",
            "WorkflowId IN ()", "WorkflowId IN ('a',)", "WorkflowId IN 'a'", "WorkflowId BETWEEN 'a'",
            "WorkflowId IS 'a'", "WorkflowId IS NOT", "ExecutionStatus = 'Sleeping'", "ExecutionStatus > 'Running'",
            "StartTime > 'not a date'", "StartTime > true", "HistoryLength = 'ten'", "HistoryLength STARTS_WITH '1'",
            "CustomInt = 'x'", "CustomInt = 1.5", "CustomList > 'a'", "CustomText > 'a'", "CustomText IN ('a')",
            "CustomKeyword = 5", "WorkflowId = 'a' ORDER BY", "ORDER BY Unknown", "ORDER BY CustomKeyword",
            "WorkflowId = 'a' GROUP BY ExecutionStatus", "WorkflowId = 'a' LIMIT 5", "WorkflowId = 'a' OR OR WorkflowId = 'b'",
            "NOT", "WorkflowId = 'a' WorkflowType = 'b'", "ExecutionDuration > 'forever'", "CustomDatetime = 12.5",
            "WorkflowId @ 'a'", "RunId BETWEEN 'a' AND", "StartTime BETWEEN '2024-01-01T00:00:00Z' 'x'"})
    void malformedQueriesAreInvalidArgument(String query) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> raw.listWorkflowExecutions(
                ListWorkflowExecutionsRequest.newBuilder().setNamespace("default").setQuery(query).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), query + ": " + e.getStatus());
        assertTrue(e.getStatus().getDescription().startsWith("invalid query"), e.getStatus().getDescription());
    }

    @Test
    void namespaceDivisionHidesSystemWorkflowsUnlessAsked() throws Exception {
        String id = "div-" + UUID.randomUUID();
        raw.startWorkflowExecution(StartWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setWorkflowId(id).setWorkflowType(WorkflowType.newBuilder().setName("X"))
                .setTaskQueue(TaskQueue.newBuilder().setName("nobody-" + queue)).setRequestId(UUID.randomUUID().toString())
                .setSearchAttributes(SearchAttributes.newBuilder().putIndexedFields("TemporalNamespaceDivision",
                        Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                                .setData(ByteString.copyFromUtf8("\"TemporalScheduler\"")).build())).build());
        awaitCount("WorkflowId = '" + id + "' AND TemporalNamespaceDivision = 'TemporalScheduler'", 1);
        assertEquals(0, count("WorkflowId = '" + id + "'"));
    }

    @Test
    void invalidPageTokenAndCountGroupByOtherAttribute() {
        assertInvalid(() -> raw.listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder().setNamespace("default")
                .setNextPageToken(ByteString.copyFromUtf8("garbage")).build()), "page token");
        assertInvalid(() -> raw.countWorkflowExecutions(CountWorkflowExecutionsRequest.newBuilder().setNamespace("default")
                .setQuery("GROUP BY WorkflowType").build()), "only supported for ExecutionStatus");
        assertFalse(raw.getSearchAttributes(io.temporal.api.workflowservice.v1.GetSearchAttributesRequest.getDefaultInstance())
                .getKeysMap().isEmpty());
    }
}
