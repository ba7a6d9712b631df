package io.kairos.persistence.archival;

import io.kairos.common.errors.NotFoundException;
import io.kairos.common.errors.UnavailableException;
import io.kairos.common.ids.NamespaceId;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Archived histories: one object per run, named only by namespace, workflow id and run id, so archiving a run again
 * (a retry after a crash) replaces the same object. The object is the history's pages as length-delimited
 * {@link History} messages, written and read one page at a time.
 */
public final class HistoryArchive {
    private final Function<String, ArchiveStore> stores;

    HistoryArchive(Function<String, ArchiveStore> stores) {
        this.stores = stores;
    }

    /** One page read back: the events and the id of the next event, 0 at the end. */
    public record Page(List<HistoryEvent> events, long nextEventId) {
    }

    /** Checks the URI as RegisterNamespace and UpdateNamespace do: a supported scheme with a configured provider. */
    public void validate(String uri) {
        ArchivalUri u = ArchivalUri.parse(uri);
        stores.apply(u.scheme()).validate(u);
    }

    static String key(NamespaceId ns, String workflowId, UUID runId) {
        return ns + "/history/" + sha256(workflowId) + "/" + runId + ".history";
    }

    /** Writes the run's history from {@code pages} (read lazily, one page in memory at a time). */
    public void archive(String uri, NamespaceId ns, String workflowId, UUID runId, Iterator<List<HistoryEvent>> pages) {
        ArchivalUri u = ArchivalUri.parse(uri);
        try {
            stores.apply(u.scheme()).put(u, key(ns, workflowId, runId), out -> {
                while (pages.hasNext()) {
                    List<HistoryEvent> page = pages.next();
                    if (!page.isEmpty()) {
                        History.newBuilder().addAllEvents(page).build().writeDelimitedTo(out);
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("archiving history to " + uri + " failed", e);
        }
    }

    /** Whether the run's history was archived there. */
    public boolean exists(String uri, NamespaceId ns, String workflowId, UUID runId) {
        ArchivalUri u = ArchivalUri.parse(uri);
        try {
            return stores.apply(u.scheme()).exists(u, key(ns, workflowId, runId));
        } catch (IOException e) {
            throw new UncheckedIOException("checking archived history at " + uri + " failed", e);
        }
    }

    /**
     * Up to {@code pageSize} events from {@code fromEventId} on.
     *
     * @throws NotFoundException when the run was never archived there
     */
    public Page read(String uri, NamespaceId ns, String workflowId, UUID runId, long fromEventId, int pageSize) {
        ArchivalUri u = ArchivalUri.parse(uri);
        try {
            Optional<InputStream> in = stores.apply(u.scheme()).get(u, key(ns, workflowId, runId));
            if (in.isEmpty()) {
                throw new NotFoundException("requested workflow history does not exist");
            }
            try (InputStream s = in.get()) {
                List<HistoryEvent> events = new ArrayList<>();
                History batch;
                while ((batch = History.parseDelimitedFrom(s)) != null) {
                    for (HistoryEvent e : batch.getEventsList()) {
                        if (e.getEventId() < fromEventId) {
                            continue;
                        }
                        if (events.size() == pageSize) {
                            return new Page(events, e.getEventId());
                        }
                        events.add(e);
                    }
                }
                return new Page(events, 0);
            }
        } catch (IOException e) {
            throw new UnavailableException("reading archived history from " + uri + " failed: " + e.getMessage(), e);
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
