package io.kairos.frontend.nexus;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.kairos.common.errors.AlreadyExistsException;
import io.kairos.common.errors.FailedPreconditionException;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.TemporalCompat;
import io.kairos.frontend.namespace.NamespaceRegistry;
import io.kairos.persistence.namespace.NamespaceRow;
import io.kairos.persistence.nexus.NexusEndpointRow;
import io.kairos.persistence.nexus.NexusEndpointStore;
import io.kairos.persistence.sql.DuplicateKeyException;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.nexus.v1.Endpoint;
import io.temporal.api.nexus.v1.EndpointSpec;
import io.temporal.api.nexus.v1.EndpointTarget;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointResponse;
import io.temporal.api.operatorservice.v1.DeleteNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.DeleteNexusEndpointResponse;
import io.temporal.api.operatorservice.v1.GetNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.GetNexusEndpointResponse;
import io.temporal.api.operatorservice.v1.ListNexusEndpointsRequest;
import io.temporal.api.operatorservice.v1.ListNexusEndpointsResponse;
import io.temporal.api.operatorservice.v1.UpdateNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.UpdateNexusEndpointResponse;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * OperatorService Create/Update/Delete/Get/ListNexusEndpoints: the cluster's Nexus endpoint registry with Temporal's
 * validation (all issues of a spec in one INVALID_ARGUMENT), conflict versions and messages.
 */
public final class NexusEndpointHandler {
    static final Pattern NAME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9\\-]*[a-zA-Z0-9]$");
    static final int MAX_NAME_LENGTH = 200;
    static final int MAX_URL_LENGTH = 4 * 1024;
    static final int MAX_DESCRIPTION_SIZE = 20000;
    static final int DEFAULT_PAGE_SIZE = 100;
    static final int MAX_PAGE_SIZE = 1000;
    private static final String RESERVED_QUEUE_PREFIX = "/_sys/";

    private final NexusEndpointStore store;
    private final NamespaceRegistry namespaces;
    private final Clock clock;

    public NexusEndpointHandler(NexusEndpointStore store, NamespaceRegistry namespaces, Clock clock) {
        this.store = store;
        this.namespaces = namespaces;
        this.clock = clock;
    }

    public CreateNexusEndpointResponse create(CreateNexusEndpointRequest req) {
        validateSpec(req.getSpec());
        Instant now = now();
        NexusEndpointRow row = row(UUID.randomUUID(), 1, req.getSpec(), now, now);
        try {
            store.create(row);
        } catch (DuplicateKeyException e) {
            throw new AlreadyExistsException("error creating Nexus endpoint. Endpoint with name "
                    + req.getSpec().getName() + " already registered");
        }
        return CreateNexusEndpointResponse.newBuilder().setEndpoint(toApi(row)).build();
    }

    public UpdateNexusEndpointResponse update(UpdateNexusEndpointRequest req) {
        validateSpec(req.getSpec());
        UUID id = parseIdOrNull(req.getId());
        NexusEndpointRow previous = (id == null ? null : store.get(id).orElse(null));
        if (previous == null) {
            throw new NotFoundException("error updating Nexus endpoint. endpoint ID " + req.getId() + " not found");
        }
        if (req.getVersion() != previous.version()) {
            throw versionMismatch(req.getVersion(), previous.version());
        }
        NexusEndpointRow next = row(id, previous.version() + 1, req.getSpec(), previous.createdTime(), now());
        boolean updated;
        try {
            updated = store.update(next, previous.version());
        } catch (DuplicateKeyException e) {
            throw new AlreadyExistsException("error updating Nexus endpoint. Endpoint with name "
                    + req.getSpec().getName() + " already registered");
        }
        if (!updated) { // a concurrent update or delete won the race
            NexusEndpointRow now = store.get(id).orElseThrow(() ->
                    new NotFoundException("error updating Nexus endpoint. endpoint ID " + req.getId() + " not found"));
            throw versionMismatch(req.getVersion(), now.version());
        }
        return UpdateNexusEndpointResponse.newBuilder().setEndpoint(toApi(next)).build();
    }

    public DeleteNexusEndpointResponse delete(DeleteNexusEndpointRequest req) {
        List<String> issues = idIssues(req.getId());
        if (req.getVersion() <= 0) {
            issues.add("endpoint version is non-positive");
        }
        throwIfAny(issues);
        // As Temporal, the version must be positive but is not compared: a delete removes whatever is there.
        if (!store.delete(UUID.fromString(req.getId()))) {
            throw new NotFoundException("error deleting nexus endpoint with ID: " + req.getId());
        }
        return DeleteNexusEndpointResponse.getDefaultInstance();
    }

    public GetNexusEndpointResponse get(GetNexusEndpointRequest req) {
        throwIfAny(idIssues(req.getId()));
        NexusEndpointRow row = store.get(UUID.fromString(req.getId())).orElseThrow(() ->
                new NotFoundException("Nexus endpoint with ID `" + req.getId() + "` not found"));
        return GetNexusEndpointResponse.newBuilder().setEndpoint(toApi(row)).build();
    }

    public ListNexusEndpointsResponse list(ListNexusEndpointsRequest req) {
        ListNexusEndpointsResponse.Builder out = ListNexusEndpointsResponse.newBuilder();
        if (!req.getName().isEmpty()) { // one endpoint or none; page size and token are ignored, as Temporal does
            store.getByName(req.getName()).ifPresent(r -> out.addEndpoints(toApi(r)));
            return out.build();
        }
        int pageSize = req.getPageSize();
        if (pageSize < 0) {
            throw new InvalidArgumentException("page_size is negative");
        }
        if (pageSize > MAX_PAGE_SIZE) {
            throw new InvalidArgumentException("page_size exceeds limit of " + MAX_PAGE_SIZE);
        }
        if (pageSize == 0) {
            pageSize = DEFAULT_PAGE_SIZE;
        }
        UUID after = null;
        if (!req.getNextPageToken().isEmpty()) {
            after = parseIdOrNull(req.getNextPageToken().toString(StandardCharsets.UTF_8));
            if (after == null) {
                throw new InvalidArgumentException("invalid next_page_token");
            }
        }
        List<NexusEndpointRow> rows = store.list(after, pageSize + 1);
        for (int i = 0; i < Math.min(pageSize, rows.size()); i++) {
            out.addEndpoints(toApi(rows.get(i)));
        }
        if (rows.size() > pageSize) {
            out.setNextPageToken(ByteString.copyFromUtf8(rows.get(pageSize - 1).id().toString()));
        }
        return out.build();
    }

    /** To the microsecond, as Postgres keeps it: a created endpoint reads back exactly as it was answered. */
    private Instant now() {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    private static FailedPreconditionException versionMismatch(long received, long expected) {
        return new FailedPreconditionException("nexus endpoint version mismatch. received: " + received
                + " expected " + expected);
    }

    private void validateSpec(EndpointSpec spec) {
        List<String> issues = new ArrayList<>();
        String name = spec.getName();
        if (name.isEmpty()) {
            issues.add("endpoint name not set");
        } else {
            if (name.length() > MAX_NAME_LENGTH) {
                issues.add("endpoint name exceeds length limit of " + MAX_NAME_LENGTH);
            }
            if (!NAME.matcher(name).matches()) {
                issues.add("endpoint name must match the regex: \"" + NAME.pattern().replace("\\", "\\\\") + "\"");
            }
        }
        EndpointTarget target = spec.getTarget();
        switch (target.getVariantCase()) {
            case VARIANT_NOT_SET -> {
                issues.add("empty target variant");
                throwIfAny(issues);
            }
            case WORKER -> {
                String ns = target.getWorker().getNamespace();
                if (ns.isEmpty()) {
                    issues.add("target namespace not set");
                } else if (namespaces.getByName(ns).isEmpty()) {
                    throw new FailedPreconditionException("could not verify namespace referenced by target exists: "
                            + "Namespace " + ns + " is not found.");
                }
                String queueIssue = taskQueueIssue(target.getWorker().getTaskQueue());
                if (queueIssue != null) {
                    issues.add("invalid target task queue: \"" + queueIssue + "\"");
                }
            }
            case EXTERNAL -> {
                String url = target.getExternal().getUrl();
                if (url.isEmpty()) {
                    issues.add("empty target URL");
                } else if (url.length() > MAX_URL_LENGTH) {
                    issues.add("target URL length exceeds limit of " + MAX_URL_LENGTH);
                } else {
                    String scheme = urlScheme(url, issues);
                    if (scheme != null && !scheme.equals("http") && !scheme.equals("https")) {
                        issues.add("invalid target URL scheme: \"" + scheme + "\", expected http or https");
                    }
                }
            }
        }
        if (spec.getDescription().getSerializedSize() > MAX_DESCRIPTION_SIZE) {
            issues.add("description size exceeds limit of " + MAX_DESCRIPTION_SIZE);
        }
        throwIfAny(issues);
    }

    private static String urlScheme(String url, List<String> issues) {
        try {
            String scheme = new URI(url).getScheme();
            return scheme == null ? "" : scheme;
        } catch (URISyntaxException e) {
            issues.add("invalid target URL: " + e.getMessage());
            return null;
        }
    }

    private static String taskQueueIssue(String queue) {
        if (queue.isEmpty()) {
            return "taskQueue is not set";
        }
        if (queue.getBytes(StandardCharsets.UTF_8).length > TemporalCompat.MAX_ID_LENGTH) {
            return "taskQueue length exceeds limit";
        }
        if (queue.startsWith(RESERVED_QUEUE_PREFIX)) {
            return "task queue name cannot start with reserved prefix " + RESERVED_QUEUE_PREFIX;
        }
        return null;
    }

    private static List<String> idIssues(String id) {
        List<String> issues = new ArrayList<>();
        if (id.isEmpty()) {
            issues.add("endpoint ID not set");
        } else if (parseIdOrNull(id) == null) {
            issues.add("malformed endpoint ID: \"" + (id.length() == 36 ? "invalid UUID format"
                    : "invalid UUID length: " + id.length()) + "\"");
        }
        return issues;
    }

    private static UUID parseIdOrNull(String id) {
        // UUID.fromString accepts short forms such as "1-1-1-1-1"; Temporal's parser wants the canonical 36 chars.
        if (id.length() != 36) {
            return null;
        }
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void throwIfAny(List<String> issues) {
        if (!issues.isEmpty()) {
            throw new InvalidArgumentException(String.join(", ", issues));
        }
    }

    private NexusEndpointRow row(UUID id, long version, EndpointSpec spec, Instant created, Instant modified) {
        EndpointTarget t = spec.getTarget();
        NamespaceId ns = t.hasWorker() ? namespaces.getByName(t.getWorker().getNamespace()).map(NamespaceRow::id)
                .orElseThrow(() -> new FailedPreconditionException("could not verify namespace referenced by target "
                        + "exists: Namespace " + t.getWorker().getNamespace() + " is not found.")) : null;
        return new NexusEndpointRow(id, version, spec.getName(), ns, t.hasWorker() ? t.getWorker().getTaskQueue() : null,
                t.hasExternal() ? t.getExternal().getUrl() : null,
                spec.hasDescription() ? spec.getDescription().toByteArray() : null, created, modified);
    }

    private Endpoint toApi(NexusEndpointRow r) {
        EndpointTarget.Builder target = EndpointTarget.newBuilder();
        if (r.isWorkerTarget()) {
            // A deleted target namespace shows as an empty name rather than failing every list.
            String ns = namespaces.getById(r.targetNamespace()).map(NamespaceRow::name).orElse("");
            target.setWorker(EndpointTarget.Worker.newBuilder().setNamespace(ns).setTaskQueue(r.targetTaskQueue()));
        } else {
            target.setExternal(EndpointTarget.External.newBuilder().setUrl(r.externalUrl()));
        }
        EndpointSpec.Builder spec = EndpointSpec.newBuilder().setName(r.name()).setTarget(target);
        if (r.description() != null) {
            try {
                spec.setDescription(Payload.parseFrom(r.description()));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("stored description of Nexus endpoint " + r.id() + " is corrupt", e);
            }
        }
        Endpoint.Builder out = Endpoint.newBuilder().setId(r.id().toString()).setVersion(r.version()).setSpec(spec)
                .setCreatedTime(timestamp(r.createdTime()))
                .setUrlPrefix("/nexus/endpoints/" + r.id() + "/services");
        if (r.version() > 1) { // the UI contract: set only once modified
            out.setLastModifiedTime(timestamp(r.lastModifiedTime()));
        }
        return out.build();
    }

    private static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
}
