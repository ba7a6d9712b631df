package io.kairos.persistence.archival;

import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.UnavailableException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.visibility.query.ArchivalQuery;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Archived visibility records: one object per run named {@code <close time in ns>_<run id>.visibility} under the
 * namespace, so a retried archive replaces the same object and a close time range is answered from names alone.
 * Queries list newest close first; the page token is the last name returned.
 */
public final class VisibilityArchive {
    private static final String SUFFIX = ".visibility";
    private final Function<String, ArchiveStore> stores;

    VisibilityArchive(Function<String, ArchiveStore> stores) {
        this.stores = stores;
    }

    public record Page(List<WorkflowExecutionInfo> executions, String nextPageToken) {
    }

    public void validate(String uri) {
        ArchivalUri u = ArchivalUri.parse(uri);
        stores.apply(u.scheme()).validate(u);
    }

    private static String prefix(NamespaceId ns) {
        return ns + "/visibility/";
    }

    static String name(WorkflowExecutionInfo info) {
        long close = info.getCloseTime().getSeconds() * 1_000_000_000L + info.getCloseTime().getNanos();
        return String.format("%019d_%s%s", close, info.getExecution().getRunId(), SUFFIX);
    }

    public void archive(String uri, NamespaceId ns, WorkflowExecutionInfo info) {
        ArchivalUri u = ArchivalUri.parse(uri);
        try {
            stores.apply(u.scheme()).put(u, prefix(ns) + name(info), info::writeTo);
        } catch (IOException e) {
            throw new UncheckedIOException("archiving visibility to " + uri + " failed", e);
        }
    }

    /** Whether the run's record was archived there. */
    public boolean exists(String uri, NamespaceId ns, WorkflowExecutionInfo info) {
        ArchivalUri u = ArchivalUri.parse(uri);
        try {
            return stores.apply(u.scheme()).exists(u, prefix(ns) + name(info));
        } catch (IOException e) {
            throw new UncheckedIOException("checking archived visibility at " + uri + " failed", e);
        }
    }

    public Page query(String uri, NamespaceId ns, ArchivalQuery query, int pageSize, String pageToken) {
        ArchivalUri u = ArchivalUri.parse(uri);
        ArchiveStore store = stores.apply(u.scheme());
        String prefix = prefix(ns);
        try {
            List<String> names = new ArrayList<>();
            for (String key : store.list(u, prefix)) {
                String name = key.substring(prefix.length());
                if (name.endsWith(SUFFIX) && closeNanos(name) != null && query.closeTimeInRange(closeNanos(name))
                        && (pageToken.isEmpty() || name.compareTo(pageToken) < 0)) {
                    names.add(name);
                }
            }
            names.sort(Comparator.reverseOrder());
            List<WorkflowExecutionInfo> out = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                Optional<InputStream> in = store.get(u, prefix + names.get(i));
                if (in.isEmpty()) {
                    continue;
                }
                WorkflowExecutionInfo info;
                try (InputStream s = in.get()) {
                    info = WorkflowExecutionInfo.parseFrom(s);
                }
                if (query.matches(info)) {
                    out.add(info);
                    if (out.size() == pageSize) {
                        return new Page(out, i + 1 < names.size() ? names.get(i) : "");
                    }
                }
            }
            return new Page(out, "");
        } catch (IOException e) {
            throw new UnavailableException("reading archived visibility from " + uri + " failed: " + e.getMessage(), e);
        }
    }

    /** Checks a page token came from {@link #query}. */
    public static String parseToken(byte[] token) {
        String s = new String(token, java.nio.charset.StandardCharsets.UTF_8);
        if (!s.isEmpty() && (!s.endsWith(SUFFIX) || closeNanos(s) == null)) {
            throw new InvalidArgumentException("next page token is corrupted");
        }
        return s;
    }

    private static Long closeNanos(String name) {
        int sep = name.indexOf('_');
        if (sep != 19) {
            return null;
        }
        try {
            return Long.parseLong(name.substring(0, sep));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
