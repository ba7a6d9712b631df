package io.kairos.frontend.archival;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.frontend.namespace.NamespaceResolver;
import io.kairos.persistence.archival.Archives;
import io.kairos.persistence.archival.HistoryArchive;
import io.kairos.persistence.archival.VisibilityArchive;
import io.kairos.persistence.namespace.NamespaceRow;
import io.kairos.persistence.visibility.query.ArchivalQuery;
import io.kairos.persistence.visibility.query.QueryException;
import io.kairos.proto.persistence.v1.HistoryPageToken;
import io.temporal.api.enums.v1.ArchivalState;
import io.temporal.api.enums.v1.HistoryEventFilterType;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.namespace.v1.NamespaceConfig;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.api.workflowservice.v1.ListArchivedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListArchivedWorkflowExecutionsResponse;

import java.util.UUID;
import java.util.function.Supplier;

/**
 * Reads from the archive as Temporal's frontend does: GetWorkflowExecutionHistory of a run history no longer has
 * (retention deleted it) is answered from the namespace's history archive, and ListArchivedWorkflowExecutions from
 * its visibility archive.
 */
public final class ArchivedReads {
    /** Temporal's frontend.visibilityArchivalQueryMaxPageSize. */
    static final int MAX_LIST_PAGE_SIZE = 10_000;
    static final int DEFAULT_HISTORY_PAGE_SIZE = 256;
    static final int MAX_HISTORY_PAGE_SIZE = 1000;

    private final NamespaceResolver namespaces;
    private final Archives archives;

    public ArchivedReads(NamespaceResolver namespaces, Archives archives) {
        this.namespaces = namespaces;
        this.archives = archives;
    }

    /**
     * Asks history first; a run it does not know, asked for by run id, comes from the archive when the cluster reads
     * archived histories (unless the request skips archival).
     */
    public GetWorkflowExecutionHistoryResponse history(GetWorkflowExecutionHistoryRequest req,
                                                       Supplier<GetWorkflowExecutionHistoryResponse> fromHistory) {
        try {
            return fromHistory.get();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND || req.getExecution().getRunId().isEmpty()
                    || req.getSkipArchival() || !archives.config().history().enableRead()) {
                throw e;
            }
            return archived(req);
        }
    }

    private GetWorkflowExecutionHistoryResponse archived(GetWorkflowExecutionHistoryRequest req) {
        NamespaceRow ns = namespaces.existing(req.getNamespace());
        String uri = ns.record().getConfig().getHistoryArchivalUri();
        if (uri.isEmpty()) {
            // Never archived: we cannot tell whether the run ever existed.
            throw new InvalidArgumentException("Requested workflow history not found, may have passed retention period.");
        }
        UUID runId;
        try {
            runId = UUID.fromString(req.getExecution().getRunId());
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("Invalid RunId.");
        }
        long from = 1;
        if (!req.getNextPageToken().isEmpty()) {
            try {
                from = HistoryPageToken.parseFrom(req.getNextPageToken()).getNextEventId();
            } catch (InvalidProtocolBufferException e) {
                throw new InvalidArgumentException("next page token is corrupted");
            }
        }
        if (req.getHistoryEventFilterType() == HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT) {
            // The close event alone (what SDKs ask for a result): the archive's last event.
            HistoryArchive.Page page;
            long next = 1;
            HistoryEvent last = null;
            do {
                page = archives.history().read(uri, ns.id(), req.getExecution().getWorkflowId(), runId, next,
                        MAX_HISTORY_PAGE_SIZE);
                if (!page.events().isEmpty()) {
                    last = page.events().get(page.events().size() - 1);
                }
                next = page.nextEventId();
            } while (next != 0);
            History.Builder h = History.newBuilder();
            if (last != null) {
                h.addEvents(last);
            }
            return GetWorkflowExecutionHistoryResponse.newBuilder().setHistory(h).setArchived(true).build();
        }
        int size = req.getMaximumPageSize() <= 0 ? DEFAULT_HISTORY_PAGE_SIZE
                : Math.min(req.getMaximumPageSize(), MAX_HISTORY_PAGE_SIZE);
        HistoryArchive.Page page = archives.history().read(uri, ns.id(), req.getExecution().getWorkflowId(), runId,
                from, size);
        var b = GetWorkflowExecutionHistoryResponse.newBuilder()
                .setHistory(History.newBuilder().addAllEvents(page.events())).setArchived(true);
        if (page.nextEventId() > 0) {
            b.setNextPageToken(HistoryPageToken.newBuilder().setRunId(runId.toString())
                    .setNextEventId(page.nextEventId()).build().toByteString());
        }
        return b.build();
    }

    public ListArchivedWorkflowExecutionsResponse list(ListArchivedWorkflowExecutionsRequest req) {
        int pageSize = req.getPageSize() <= 0 ? MAX_LIST_PAGE_SIZE : req.getPageSize();
        if (pageSize > MAX_LIST_PAGE_SIZE) {
            throw new InvalidArgumentException("PageSize is larger than allowed " + MAX_LIST_PAGE_SIZE + ".");
        }
        if (!archives.config().visibility().clusterConfigured()) {
            throw new InvalidArgumentException("Cluster is not configured for visibility archival.");
        }
        if (!archives.config().visibility().enableRead()) {
            throw new InvalidArgumentException("Cluster is not configured for reading archived visibility records.");
        }
        NamespaceRow ns = namespaces.existing(req.getNamespace());
        NamespaceConfig config = ns.record().getConfig();
        if (config.getVisibilityArchivalState() != ArchivalState.ARCHIVAL_STATE_ENABLED) {
            throw new InvalidArgumentException("Namespace is not configured for visibility archival.");
        }
        ArchivalQuery query;
        try {
            query = ArchivalQuery.parse(req.getQuery());
        } catch (QueryException e) {
            throw new InvalidArgumentException(e.getMessage());
        }
        String token = VisibilityArchive.parseToken(req.getNextPageToken().toByteArray());
        VisibilityArchive.Page page = archives.visibility().query(config.getVisibilityArchivalUri(), ns.id(), query,
                pageSize, token);
        return ListArchivedWorkflowExecutionsResponse.newBuilder().addAllExecutions(page.executions())
                .setNextPageToken(ByteString.copyFromUtf8(page.nextPageToken())).build();
    }
}
