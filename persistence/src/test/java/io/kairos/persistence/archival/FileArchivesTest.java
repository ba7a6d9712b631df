package io.kairos.persistence.archival;

import com.google.protobuf.Timestamp;
import io.kairos.common.config.ArchivalConfig;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.visibility.query.ArchivalQuery;
import io.kairos.persistence.visibility.query.QueryException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The filestore provider under the history and visibility archives. */
class FileArchivesTest {
    @TempDir
    Path dir;

    private Archives archives() {
        ArchivalConfig.Kind kind = new ArchivalConfig.Kind(true, true, Optional.of(ArchivalConfig.Filestore.DEFAULTS),
                Optional.empty(), false, "file://" + dir);
        return Archives.of(new ArchivalConfig(kind, kind));
    }

    private static List<HistoryEvent> events(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> HistoryEvent.newBuilder().setEventId(i)
                .setEventType(EventType.EVENT_TYPE_MARKER_RECORDED).build()).toList();
    }

    @Test
    void historyIsWrittenInPagesAndReadBackInAnyPageSize() {
        HistoryArchive h = archives().history();
        String uri = "file://" + dir.resolve("h");
        NamespaceId ns = NamespaceId.random();
        UUID run = UUID.randomUUID();
        h.archive(uri, ns, "wf/with/slashes", run, List.of(events(1, 4), events(4, 10), events(10, 11)).iterator());
        // a retry replaces the same object
        h.archive(uri, ns, "wf/with/slashes", run, List.of(events(1, 11)).iterator());
        List<Long> ids = new ArrayList<>();
        long next = 1;
        int pages = 0;
        do {
            HistoryArchive.Page p = h.read(uri, ns, "wf/with/slashes", run, next, 3);
            p.events().forEach(e -> ids.add(e.getEventId()));
            next = p.nextEventId();
            pages++;
        } while (next != 0);
        assertEquals(LongStreamRange.of(1, 11), ids);
        assertEquals(4, pages);
        try (Stream<Path> files = Files.walk(dir.resolve("h"))) {
            assertEquals(1, files.filter(Files::isRegularFile).count(), "one object per run, no temporary left");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThrows(NotFoundException.class, () -> h.read(uri, ns, "other", run, 1, 10));
    }

    @Test
    void urisAreCheckedAsTemporalDoes() throws Exception {
        HistoryArchive h = archives().history();
        assertEquals("URI is invalid", assertThrows(InvalidArgumentException.class, () -> h.validate("file://rel/x")).getMessage());
        assertEquals("URI is invalid", assertThrows(InvalidArgumentException.class, () -> h.validate("no scheme")).getMessage());
        assertEquals("unknown archiver scheme", assertThrows(InvalidArgumentException.class, () -> h.validate("gs://b/p")).getMessage());
        assertEquals("unable to find archiver config for the given scheme",
                assertThrows(InvalidArgumentException.class, () -> h.validate("s3://bucket/p")).getMessage());
        Path file = Files.writeString(dir.resolve("plain"), "x");
        assertEquals("a path to a directory was expected",
                assertThrows(InvalidArgumentException.class, () -> h.validate("file://" + file)).getMessage());
        h.validate("file://" + dir.resolve("not-yet"));
        assertEquals(new ArchivalUri("s3", "bucket", "a/b", "s3://bucket/a/b/"), ArchivalUri.parse("s3://bucket/a/b/"));
        assertEquals("no bucket specified", assertThrows(InvalidArgumentException.class,
                () -> ArchivalUri.parse("s3:///x")).getMessage());
    }

    private static WorkflowExecutionInfo info(String id, String type, WorkflowExecutionStatus status, long closeSeconds) {
        return WorkflowExecutionInfo.newBuilder()
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id).setRunId(UUID.randomUUID().toString()))
                .setType(WorkflowType.newBuilder().setName(type)).setStatus(status)
                .setStartTime(Timestamp.newBuilder().setSeconds(closeSeconds - 10))
                .setCloseTime(Timestamp.newBuilder().setSeconds(closeSeconds)).build();
    }

    @Test
    void visibilityQueriesNewestCloseFirstInPages() {
        VisibilityArchive v = archives().visibility();
        String uri = "file://" + dir.resolve("v");
        NamespaceId ns = NamespaceId.random();
        List<WorkflowExecutionInfo> all = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            WorkflowExecutionInfo info = info("wf-" + i, i % 2 == 0 ? "Even" : "Odd",
                    i == 3 ? WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED
                            : WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, 1_700_000_000L + i);
            v.archive(uri, ns, info);
            v.archive(uri, ns, info); // idempotent
            all.add(info);
        }
        assertEquals(List.of("wf-6", "wf-4", "wf-2", "wf-0"), ids(v, uri, ns, "WorkflowType = 'Even'", 3));
        assertEquals(List.of("wf-3"), ids(v, uri, ns, "ExecutionStatus = 'Failed'", 10));
        assertEquals(List.of("wf-3"), ids(v, uri, ns, "ExecutionStatus = 3 AND WorkflowType = 'Odd'", 10));
        assertEquals(List.of("wf-5", "wf-4"), ids(v, uri, ns,
                "CloseTime >= '2023-11-14T22:13:24Z' AND CloseTime < '2023-11-14T22:13:26Z'", 1));
        assertEquals(List.of("wf-1"), ids(v, uri, ns, "StartTime = " + (1_699_999_991L * 1_000_000_000L), 10));
        assertEquals(List.of(), ids(v, uri, ns, "WorkflowId = 'wf-1' AND WorkflowId = 'wf-2'", 10));
        assertEquals(List.of("wf-2"), ids(v, uri, ns, "RunId = '" + all.get(2).getExecution().getRunId() + "'", 10));
        assertEquals(7, ids(v, uri, ns, "", 2).size());
        assertEquals(List.of(), ids(v, uri, NamespaceId.random(), "", 2), "another namespace has none");
    }

    @Test
    void queriesOutsideTheArchivalSubsetAreRefused() {
        for (String[] q : new String[][]{
                {"WorkflowId = 'a' OR WorkflowId = 'b'", "only comparison and \"and\" expression is supported"},
                {"WorkflowId != 'a'", "only operation = is support for WorkflowId"},
                {"ExecutionStatus = 'Running'", "unknown workflow close status: Running"},
                {"CustomKeywordField = 'x'", "unknown filter name: CustomKeywordField"},
                {"CloseTime != 5", "operator != is not supported for close time"},
                {"WorkflowId = 'a' ORDER BY CloseTime", "ORDER BY and GROUP BY are not supported"},
                {"WorkflowType IN ('a')", "only comparison and \"and\" expression is supported"}}) {
            QueryException e = assertThrows(QueryException.class, () -> ArchivalQuery.parse(q[0]), q[0]);
            assertTrue(e.getMessage().contains(q[1]), e.getMessage());
        }
        assertThrows(InvalidArgumentException.class, () -> VisibilityArchive.parseToken("garbage".getBytes()));
    }

    private static List<String> ids(VisibilityArchive v, String uri, NamespaceId ns, String query, int pageSize) {
        List<String> out = new ArrayList<>();
        String token = "";
        do {
            VisibilityArchive.Page p = v.query(uri, ns, ArchivalQuery.parse(query), pageSize, token);
            p.executions().forEach(i -> out.add(i.getExecution().getWorkflowId()));
            token = p.nextPageToken();
        } while (!token.isEmpty());
        return out;
    }

    private static final class LongStreamRange {
        static List<Long> of(long from, long to) {
            return java.util.stream.LongStream.range(from, to).boxed().toList();
        }
    }
}
