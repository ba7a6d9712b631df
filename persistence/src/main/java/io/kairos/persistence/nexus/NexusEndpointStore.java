package io.kairos.persistence.nexus;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The cluster's Nexus endpoint registry. */
public interface NexusEndpointStore {
    /** Inserts a new endpoint; a taken name throws DuplicateKeyException. */
    void create(NexusEndpointRow row);

    /**
     * Replaces the endpoint if its stored version is still {@code expectedVersion}; false if it changed or is gone.
     * A name another endpoint has throws DuplicateKeyException.
     */
    boolean update(NexusEndpointRow row, long expectedVersion);

    /** False when there was no such endpoint. */
    boolean delete(UUID id);

    Optional<NexusEndpointRow> get(UUID id);

    Optional<NexusEndpointRow> getByName(String name);

    /** Endpoints in id order, after {@code afterId} (null: from the first). */
    List<NexusEndpointRow> list(UUID afterId, int limit);
}
