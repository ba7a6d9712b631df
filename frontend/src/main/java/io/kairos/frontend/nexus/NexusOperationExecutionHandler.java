package io.kairos.frontend.nexus;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import io.kairos.common.TemporalCompat;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.StandaloneIds;
import io.kairos.frontend.namespace.NamespaceResolver;
import io.kairos.frontend.visibility.StandaloneQueries;
import io.kairos.persistence.nexus.NexusEndpointRow;
import io.kairos.persistence.nexus.NexusEndpointStore;
import io.kairos.persistence.visibility.ExecutionInfos;
import io.kairos.persistence.visibility.NexusOperationAttributes;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.persistence.visibility.SearchAttributeValues;
import io.kairos.persistence.visibility.VisibilityPage;
import io.kairos.persistence.visibility.VisibilityRecord;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.temporal.api.enums.v1.NexusOperationExecutionStatus;
import io.temporal.api.enums.v1.NexusOperationIdConflictPolicy;
import io.temporal.api.enums.v1.NexusOperationIdReusePolicy;
import io.temporal.api.enums.v1.NexusOperationWaitStage;
import io.temporal.api.nexus.v1.NexusOperationExecutionListInfo;
import io.temporal.api.workflowservice.v1.*;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The standalone Nexus operation RPCs (Temporal's chasm/lib/nexusoperation frontend): validation and normalization
 * with Temporal's messages, the endpoint resolved by name, then the operation's history shard; List and Count read
 * the operations' visibility rows (their own division, with the archetype's OperationId, Endpoint, Service and
 * Operation attributes).
 */
public final class NexusOperationExecutionHandler {
    /** component.nexusoperations.limit.service.name.length / operation.name.length */
    static final int MAX_NAME_LENGTH = 1000;
    /** limit.blobSize.error */
    static final int MAX_INPUT_BYTES = 2 * 1024 * 1024;
    /** component.nexusoperations.limit.header.size */
    static final int MAX_HEADER_SIZE = 8192;
    /** limit.reasonLength */
    static final int MAX_REASON_LENGTH = 1000;
    static final Set<String> DISALLOWED_HEADERS = Set.of("request-timeout", "xdc-redirection", "xdc-redirection-api",
            "xdc-redirection-source-cell", "caller-name", "caller-type", "call-initiation", "temporal-principal-type",
            "temporal-principal-name");

    private final NamespaceResolver namespaces;
    private final HistoryServiceGrpc.HistoryServiceBlockingStub history;
    private final NexusEndpointStore endpoints;
    private final PostgresVisibilityStore visibility;
    private final StandaloneQueries queries;

    public NexusOperationExecutionHandler(NamespaceResolver namespaces, HistoryServiceGrpc.HistoryServiceBlockingStub history,
                                          NexusEndpointStore endpoints, PostgresVisibilityStore visibility) {
        this.namespaces = namespaces;
        this.history = history;
        this.endpoints = endpoints;
        this.visibility = visibility;
        this.queries = visibility == null ? null : new StandaloneQueries(visibility, StandaloneIds.NEXUS_OPERATION_DIVISION);
    }

    public StartNexusOperationExecutionResponse start(StartNexusOperationExecutionRequest in) {
        NamespaceId ns = namespaces.forExistingWork(in.getNamespace());
        StartNexusOperationExecutionRequest req = normalizeStart(in, ns);
        NexusEndpointRow endpoint = endpoints.getByName(req.getEndpoint()).orElseThrow(() ->
                new NotFoundException("could not find Nexus endpoint by name: " + req.getEndpoint()));
        return history.startNexusOperationExecution(io.kairos.proto.history.v1.StartNexusOperationExecutionRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).setEndpointId(endpoint.id().toString()).build());
    }

    StartNexusOperationExecutionRequest normalizeStart(StartNexusOperationExecutionRequest in, NamespaceId ns) {
        StartNexusOperationExecutionRequest.Builder req = in.toBuilder();
        if (req.getRequestId().isEmpty()) {
            req.setRequestId(UUID.randomUUID().toString());
        }
        idLength("request_id", req.getRequestId());
        operationId(req.getOperationId());
        idLength("identity", req.getIdentity());
        if (req.getEndpoint().isEmpty()) {
            throw new InvalidArgumentException("endpoint is required");
        }
        if (req.getService().isEmpty()) {
            throw new InvalidArgumentException("service is required");
        }
        limit("service", req.getService().length(), MAX_NAME_LENGTH);
        if (req.getOperation().isEmpty()) {
            throw new InvalidArgumentException("operation is required");
        }
        limit("operation", req.getOperation().length(), MAX_NAME_LENGTH);
        duration("schedule_to_close_timeout", req.getScheduleToCloseTimeout());
        duration("schedule_to_start_timeout", req.getScheduleToStartTimeout());
        duration("start_to_close_timeout", req.getStartToCloseTimeout());
        long scheduleToClose = Durations.toNanos(req.getScheduleToCloseTimeout());
        if (scheduleToClose > 0) { // the other timeouts never outlast the operation
            if (Durations.toNanos(req.getScheduleToStartTimeout()) > scheduleToClose) {
                req.setScheduleToStartTimeout(req.getScheduleToCloseTimeout());
            }
            if (Durations.toNanos(req.getStartToCloseTimeout()) > scheduleToClose) {
                req.setStartToCloseTimeout(req.getScheduleToCloseTimeout());
            }
        }
        int inputSize = req.getInput().getSerializedSize();
        if (inputSize > MAX_INPUT_BYTES) {
            throw new InvalidArgumentException("input exceeds size limit. Length=" + inputSize + " Limit=" + MAX_INPUT_BYTES);
        }
        Map<String, String> lowered = new TreeMap<>();
        int headerSize = 0;
        for (var h : req.getNexusHeaderMap().entrySet()) {
            String k = h.getKey().toLowerCase(Locale.ROOT);
            if (DISALLOWED_HEADERS.contains(k)) {
                throw new InvalidArgumentException("nexus_header contains a disallowed key: \"" + h.getKey() + "\"");
            }
            headerSize += k.length() + h.getValue().length();
            lowered.put(k, h.getValue());
        }
        if (headerSize > MAX_HEADER_SIZE) {
            throw new InvalidArgumentException("nexus_header exceeds size limit");
        }
        req.clearNexusHeader().putAllNexusHeader(lowered);
        for (String name : req.getSearchAttributes().getIndexedFieldsMap().keySet()) {
            if (NexusOperationAttributes.BUILT_IN.contains(name)
                    || name.equals(SearchAttributeCatalog.NAMESPACE_DIVISION)) {
                throw new InvalidArgumentException(name + " attribute can't be set in SearchAttributes");
            }
        }
        if (visibility != null && req.getSearchAttributes().getIndexedFieldsCount() > 0) {
            SearchAttributeValues.validate(req.getSearchAttributes(), new SearchAttributeCatalog(visibility.searchAttributes(ns)));
        }
        if (req.getIdReusePolicy() == NexusOperationIdReusePolicy.NEXUS_OPERATION_ID_REUSE_POLICY_UNSPECIFIED) {
            req.setIdReusePolicy(NexusOperationIdReusePolicy.NEXUS_OPERATION_ID_REUSE_POLICY_ALLOW_DUPLICATE);
        }
        if (req.getIdConflictPolicy() == NexusOperationIdConflictPolicy.NEXUS_OPERATION_ID_CONFLICT_POLICY_UNSPECIFIED) {
            req.setIdConflictPolicy(NexusOperationIdConflictPolicy.NEXUS_OPERATION_ID_CONFLICT_POLICY_FAIL);
        }
        return req.build();
    }

    public DescribeNexusOperationExecutionResponse describe(DescribeNexusOperationExecutionRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        operationId(req.getOperationId());
        if (!req.getLongPollToken().isEmpty() && req.getRunId().isEmpty()) {
            throw new InvalidArgumentException("run_id is required when long_poll_token is provided");
        }
        runId(req.getRunId());
        return history.describeNexusOperationExecution(io.kairos.proto.history.v1.DescribeNexusOperationExecutionRequest
                .newBuilder().setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public PollNexusOperationExecutionResponse poll(PollNexusOperationExecutionRequest in) {
        PollNexusOperationExecutionRequest.Builder req = in.toBuilder();
        switch (req.getWaitStage()) {
            case NEXUS_OPERATION_WAIT_STAGE_UNSPECIFIED -> req.setWaitStage(NexusOperationWaitStage.NEXUS_OPERATION_WAIT_STAGE_CLOSED);
            case NEXUS_OPERATION_WAIT_STAGE_STARTED, NEXUS_OPERATION_WAIT_STAGE_CLOSED -> {
            }
            default -> throw new InvalidArgumentException("unsupported wait_stage: " + req.getWaitStage());
        }
        operationId(req.getOperationId());
        runId(req.getRunId());
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        return history.pollNexusOperationExecution(io.kairos.proto.history.v1.PollNexusOperationExecutionRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public RequestCancelNexusOperationExecutionResponse requestCancel(RequestCancelNexusOperationExecutionRequest in) {
        NamespaceId ns = namespaces.forExistingWork(in.getNamespace());
        var req = in.toBuilder();
        if (req.getRequestId().isEmpty()) {
            req.setRequestId(UUID.randomUUID().toString());
        }
        idLength("request_id", req.getRequestId());
        cancelOrTerminate(req.getOperationId(), req.getRunId(), req.getIdentity(), req.getReason());
        return history.requestCancelNexusOperationExecution(io.kairos.proto.history.v1.RequestCancelNexusOperationExecutionRequest
                .newBuilder().setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public TerminateNexusOperationExecutionResponse terminate(TerminateNexusOperationExecutionRequest in) {
        NamespaceId ns = namespaces.forExistingWork(in.getNamespace());
        var req = in.toBuilder();
        if (req.getRequestId().isEmpty()) {
            req.setRequestId(UUID.randomUUID().toString());
        }
        idLength("request_id", req.getRequestId());
        cancelOrTerminate(req.getOperationId(), req.getRunId(), req.getIdentity(), req.getReason());
        return history.terminateNexusOperationExecution(io.kairos.proto.history.v1.TerminateNexusOperationExecutionRequest
                .newBuilder().setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public DeleteNexusOperationExecutionResponse delete(DeleteNexusOperationExecutionRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        operationId(req.getOperationId());
        runId(req.getRunId());
        return history.deleteNexusOperationExecution(io.kairos.proto.history.v1.DeleteNexusOperationExecutionRequest
                .newBuilder().setNamespaceId(ns.toString()).setRequest(req).build());
    }

    // ---- visibility ----

    public ListNexusOperationExecutionsResponse list(ListNexusOperationExecutionsRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        SearchAttributeCatalog catalog = NexusOperationAttributes.catalog(visibility.searchAttributes(ns));
        VisibilityPage page = queries.page(ns, req.getQuery(), catalog, req.getPageSize(), req.getNextPageToken());
        var r = ListNexusOperationExecutionsResponse.newBuilder().setNextPageToken(ByteString.copyFrom(page.nextPageToken()));
        for (VisibilityRecord rec : page.records()) {
            var info = ExecutionInfos.of(rec, catalog);
            var sa = info.getSearchAttributes();
            var op = NexusOperationExecutionListInfo.newBuilder()
                    .setOperationId(StandaloneIds.operationId(rec.workflowId()).orElse(rec.workflowId()))
                    .setRunId(rec.runId().toString())
                    .setEndpoint(NexusOperationAttributes.value(sa, NexusOperationAttributes.ENDPOINT))
                    .setService(NexusOperationAttributes.value(sa, NexusOperationAttributes.SERVICE))
                    .setOperation(NexusOperationAttributes.value(sa, NexusOperationAttributes.OPERATION))
                    .setScheduleTime(info.getStartTime())
                    .setStatus(status(rec.status()))
                    .setSearchAttributes(NexusOperationAttributes.user(sa))
                    .setStateTransitionCount(info.getStateTransitionCount());
            if (info.hasCloseTime()) {
                op.setCloseTime(info.getCloseTime());
                op.setExecutionDuration(com.google.protobuf.util.Timestamps.between(info.getStartTime(), info.getCloseTime()));
            }
            r.addOperations(op);
        }
        return r.build();
    }

    public CountNexusOperationExecutionsResponse count(CountNexusOperationExecutionsRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        SearchAttributeCatalog catalog = NexusOperationAttributes.catalog(visibility.searchAttributes(ns));
        StandaloneQueries.Counts counts = queries.count(ns, req.getQuery(), catalog);
        var b = CountNexusOperationExecutionsResponse.newBuilder().setCount(counts.total());
        if (counts.byStatus() != null) {
            counts.byStatus().forEach((status, n) -> b.addGroups(CountNexusOperationExecutionsResponse.AggregationGroup.newBuilder()
                    .addGroupValues(StandaloneQueries.statusGroupValue(status(status), "NEXUS_OPERATION_EXECUTION_STATUS_")).setCount(n)));
        }
        return b.build();
    }

    /** The hidden run's WorkflowExecutionStatus number as the operation's status (same names, same order). */
    static NexusOperationExecutionStatus status(int workflowStatus) {
        NexusOperationExecutionStatus s = NexusOperationExecutionStatus.forNumber(workflowStatus);
        return s == null ? NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_UNSPECIFIED : s;
    }

    // ---- validation ----

    private static void cancelOrTerminate(String operationId, String runId, String identity, String reason) {
        operationId(operationId);
        runId(runId);
        idLength("identity", identity);
        limit("reason", reason.length(), MAX_REASON_LENGTH);
    }

    private static void operationId(String id) {
        if (id.isEmpty()) {
            throw new InvalidArgumentException("operation_id is required");
        }
        idLength("operation_id", id);
    }

    private static void runId(String runId) {
        if (runId.isEmpty()) {
            return;
        }
        try {
            UUID.fromString(runId);
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("run_id is not a valid UUID");
        }
    }

    private static void idLength(String field, String value) {
        limit(field, value.length(), TemporalCompat.MAX_ID_LENGTH);
    }

    private static void limit(String field, int length, int limit) {
        if (length > limit) {
            throw new InvalidArgumentException(field + " exceeds length limit. Length=" + length + " Limit=" + limit);
        }
    }

    private static void duration(String field, Duration d) {
        if (d.getSeconds() < 0 || d.getNanos() < 0) {
            throw new InvalidArgumentException(field + " is invalid: negative duration");
        }
    }
}
