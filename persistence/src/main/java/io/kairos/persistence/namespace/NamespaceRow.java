package io.kairos.persistence.namespace;

import io.kairos.common.ids.NamespaceId;
import io.kairos.proto.persistence.v1.NamespaceRecord;
import io.temporal.api.enums.v1.NamespaceState;

/**
 * One namespace as stored: the record plus the row's notification version, which every change bumps and
 * which update() compares-and-swaps on.
 */
public record NamespaceRow(NamespaceId id, NamespaceRecord record, long notificationVersion) {
    public String name() {
        return record.getInfo().getName();
    }

    public NamespaceState state() {
        return record.getInfo().getState();
    }
}
