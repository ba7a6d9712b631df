package io.kairos.frontend.namespace;

import com.google.protobuf.util.Timestamps;
import io.kairos.common.TemporalCompat;
import io.kairos.common.errors.FailedPreconditionException;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.namespace.NamespaceRow;
import io.kairos.persistence.namespace.NamespaceStore;
import io.kairos.persistence.sql.ConditionFailedException;
import io.kairos.persistence.sql.DuplicateKeyException;
import io.kairos.proto.persistence.v1.NamespaceRecord;
import io.temporal.api.enums.v1.NamespaceState;
import io.temporal.api.operatorservice.v1.DeleteNamespaceRequest;
import io.temporal.api.operatorservice.v1.DeleteNamespaceResponse;

import java.time.Clock;

/**
 * OperatorService.DeleteNamespace: marks the namespace DELETED and renames it to
 * {@code <name>-deleted-<first 5 chars of id>} (longer on a collision), freeing the name at once, as Temporal
 * does. Reclaiming the namespace's workflows is the worker service's job once workflows exist.
 */
public final class DeleteNamespaceHandler {
    private static final int MAX_ATTEMPTS = 5;

    private final NamespaceStore store;
    private final NamespaceRegistry registry;
    private final Clock clock;

    public DeleteNamespaceHandler(NamespaceStore store, NamespaceRegistry registry, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.clock = clock;
    }

    public DeleteNamespaceResponse delete(DeleteNamespaceRequest req) {
        NamespaceRef ref = NamespaceRef.of(req.getNamespace(), req.getNamespaceId(),
                "Only one of namespace name or Id should be set on request.");
        if (req.hasNamespaceDeleteDelay() && req.getNamespaceDeleteDelay().getSeconds() < 0) {
            throw new InvalidArgumentException("Invalid namespace_delete_delay: must not be negative.");
        }
        for (int attempt = 1; ; attempt++) {
            NamespaceRow row = ref.lookup(registry::getByName, registry::getById);
            if (row.id().equals(NamespaceId.TEMPORAL_SYSTEM) || row.name().equals(TemporalCompat.SYSTEM_NAMESPACE)) {
                throw new FailedPreconditionException("unable to delete system namespace");
            }
            try {
                String deletedName = markDeleted(row);
                registry.invalidate(row.name());
                return DeleteNamespaceResponse.newBuilder().setDeletedNamespace(deletedName).build();
            } catch (ConditionFailedException e) {
                // The registry copy was stale or someone changed it meanwhile: read again.
                registry.invalidate(row.name());
                if (attempt >= MAX_ATTEMPTS) {
                    throw new FailedPreconditionException("Namespace " + row.name() + " is being changed concurrently; retry.");
                }
            }
        }
    }

    /** Returns the new name. Renaming an already deleted namespace again keeps its name (idempotent). */
    private String markDeleted(NamespaceRow row) {
        String idText = row.id().toString().replace("-", "");
        for (int suffixLength = 5; ; suffixLength++) {
            String suffix = "-deleted-" + idText.substring(0, Math.min(suffixLength, idText.length()));
            String newName = row.name().endsWith(suffix) ? row.name() : row.name() + suffix;
            NamespaceRecord.Builder b = row.record().toBuilder()
                    .setConfigVersion(row.record().getConfigVersion() + 1)
                    .setUpdatedTime(Timestamps.fromMillis(clock.millis()));
            if (b.getOriginalName().isEmpty()) {
                b.setOriginalName(row.name());
            }
            b.getInfoBuilder().setState(NamespaceState.NAMESPACE_STATE_DELETED).setName(newName);
            try {
                store.update(row, b.build());
                return newName;
            } catch (DuplicateKeyException collision) {
                if (suffixLength >= idText.length()) {
                    throw collision;
                }
            }
        }
    }
}
