package io.kairos.persistence.namespace;

import io.kairos.common.ids.NamespaceId;

import java.util.List;
import java.util.Optional;

/** Namespace records. Every change bumps a global notification version so caches know when to reload. */
public interface NamespaceStore {
    /**
     * Inserts a new namespace.
     *
     * @throws io.kairos.persistence.sql.DuplicateKeyException when the name (or id) is taken
     */
    NamespaceRow create(NamespaceId id, io.kairos.proto.persistence.v1.NamespaceRecord record);

    Optional<NamespaceRow> getByName(String name);

    Optional<NamespaceRow> getById(NamespaceId id);

    /** Rows with id greater than the token's, in id order. */
    NamespacePage list(int pageSize, byte[] pageToken);

    /** Every namespace, for the registry cache. */
    List<NamespaceRow> listAll();

    /**
     * Replaces the record (and the name column, which may change on delete) if the row still has
     * {@code expected.notificationVersion()}.
     *
     * @throws io.kairos.persistence.sql.ConditionFailedException when it changed meanwhile
     * @throws io.kairos.persistence.sql.DuplicateKeyException when a rename collides
     */
    NamespaceRow update(NamespaceRow expected, io.kairos.proto.persistence.v1.NamespaceRecord record);

    /** The global notification version: changes whenever any namespace changes. */
    long metadataVersion();
}
