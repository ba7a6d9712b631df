package io.kairos.frontend.namespace;

import io.temporal.api.enums.v1.NamespaceState;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** The namespace state machine: REGISTERED -> DEPRECATED -> DELETED, and REGISTERED -> DELETED. Nothing goes back. */
public final class NamespaceLifecycle {
    private static final Map<NamespaceState, Set<NamespaceState>> ALLOWED = Map.of(
            NamespaceState.NAMESPACE_STATE_REGISTERED,
            EnumSet.of(NamespaceState.NAMESPACE_STATE_DEPRECATED, NamespaceState.NAMESPACE_STATE_DELETED),
            NamespaceState.NAMESPACE_STATE_DEPRECATED, EnumSet.of(NamespaceState.NAMESPACE_STATE_DELETED),
            NamespaceState.NAMESPACE_STATE_DELETED, EnumSet.noneOf(NamespaceState.class));

    private NamespaceLifecycle() {
    }

    public static boolean canMove(NamespaceState from, NamespaceState to) {
        return ALLOWED.getOrDefault(from, Set.of()).contains(to);
    }
}
