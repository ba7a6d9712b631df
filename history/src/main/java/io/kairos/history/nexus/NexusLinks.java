package io.kairos.history.nexus;

import io.temporal.api.common.v1.Link;
import io.temporal.api.enums.v1.EventType;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Workflow event links in their Nexus form (Temporal's link converter):
 * {@code temporal:///namespaces/NS/workflows/WID/RID/history?referenceType=EventReference&eventID=N&eventType=T}, with
 * the event type in its short form (NexusOperationScheduled), as the SDKs write and parse it.
 */
public final class NexusLinks {
    static final String WORKFLOW_EVENT_TYPE = "temporal.api.common.v1.Link.WorkflowEvent";
    private static final Pattern PATH = Pattern.compile("^/namespaces/([^/]+)/workflows/([^/]+)/([^/]+)/history$");
    private static final String EVENT_TYPE_PREFIX = "EVENT_TYPE_";

    private NexusLinks() {
    }

    /** Temporal's request-id reference to an event of a run (the event may still be buffered, without an id). */
    public static Link requestIdRef(String namespace, String workflowId, String runId, String requestId, EventType type) {
        return Link.newBuilder().setWorkflowEvent(Link.WorkflowEvent.newBuilder().setNamespace(namespace)
                .setWorkflowId(workflowId).setRunId(runId).setRequestIdRef(Link.WorkflowEvent.RequestIdReference
                        .newBuilder().setRequestId(requestId).setEventType(type))).build();
    }

    public static io.temporal.api.nexus.v1.Link toNexus(Link.WorkflowEvent we) {
        StringBuilder url = new StringBuilder("temporal:///namespaces/").append(escape(we.getNamespace()))
                .append("/workflows/").append(escape(we.getWorkflowId())).append('/').append(escape(we.getRunId()))
                .append("/history?");
        if (we.hasRequestIdRef()) {
            url.append("referenceType=RequestIdReference&requestID=").append(escape(we.getRequestIdRef().getRequestId()))
                    .append("&eventType=").append(shortName(we.getRequestIdRef().getEventType()));
        } else {
            url.append("referenceType=EventReference");
            if (we.getEventRef().getEventId() > 0) {
                url.append("&eventID=").append(we.getEventRef().getEventId());
            }
            url.append("&eventType=").append(shortName(we.getEventRef().getEventType()));
        }
        return io.temporal.api.nexus.v1.Link.newBuilder().setType(WORKFLOW_EVENT_TYPE).setUrl(url.toString()).build();
    }

    /** Links of a handler's answer as history event links; links of other kinds or malformed are dropped. */
    public static List<Link> fromNexus(List<io.temporal.api.nexus.v1.Link> links) {
        List<Link> out = new ArrayList<>();
        for (var l : links) {
            Link.WorkflowEvent we = parse(l);
            if (we != null) {
                out.add(Link.newBuilder().setWorkflowEvent(we).build());
            }
        }
        return out;
    }

    static Link.WorkflowEvent parse(io.temporal.api.nexus.v1.Link l) {
        if (!WORKFLOW_EVENT_TYPE.equals(l.getType()) || !l.getUrl().startsWith("temporal://")) {
            return null;
        }
        try {
            java.net.URI u = new java.net.URI(l.getUrl());
            Matcher m = PATH.matcher(u.getRawPath());
            if (!m.matches()) {
                return null;
            }
            Map<String, String> q = new HashMap<>();
            if (u.getRawQuery() != null) {
                for (String kv : u.getRawQuery().split("&")) {
                    int i = kv.indexOf('=');
                    if (i > 0) {
                        q.put(kv.substring(0, i), unescape(kv.substring(i + 1)));
                    }
                }
            }
            Link.WorkflowEvent.Builder we = Link.WorkflowEvent.newBuilder().setNamespace(unescape(m.group(1)))
                    .setWorkflowId(unescape(m.group(2))).setRunId(unescape(m.group(3)));
            if ("RequestIdReference".equals(q.get("referenceType"))) {
                we.setRequestIdRef(Link.WorkflowEvent.RequestIdReference.newBuilder()
                        .setRequestId(q.getOrDefault("requestID", "")).setEventType(eventType(q.get("eventType"))));
            } else {
                we.setEventRef(Link.WorkflowEvent.EventReference.newBuilder()
                        .setEventId(q.containsKey("eventID") ? Long.parseLong(q.get("eventID")) : 0)
                        .setEventType(eventType(q.get("eventType"))));
            }
            return we.build();
        } catch (java.net.URISyntaxException | RuntimeException malformed) {
            return null;
        }
    }

    private static String shortName(EventType t) {
        StringBuilder b = new StringBuilder();
        for (String part : t.name().substring(EVENT_TYPE_PREFIX.length()).split("_")) {
            b.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return b.toString();
    }

    private static EventType eventType(String s) {
        if (s == null || s.isEmpty()) {
            return EventType.EVENT_TYPE_UNSPECIFIED;
        }
        if (s.startsWith(EVENT_TYPE_PREFIX)) {
            return EventType.valueOf(s);
        }
        for (EventType t : EventType.values()) {
            if (t != EventType.UNRECOGNIZED && t.name().startsWith(EVENT_TYPE_PREFIX) && shortName(t).equals(s)) {
                return t;
            }
        }
        return EventType.EVENT_TYPE_UNSPECIFIED;
    }

    private static String escape(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String unescape(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
