package io.kairos.common.errors;

import io.temporal.api.enums.v1.NamespaceState;

import java.util.List;
import java.util.stream.Collectors;

/** FAILED_PRECONDITION with NamespaceInvalidStateFailure: the namespace is not in a state the call allows. */
public final class NamespaceInvalidStateException extends ApiException {
    private final String namespace;
    private final NamespaceState state;
    private final List<NamespaceState> allowed;

    public NamespaceInvalidStateException(String namespace, NamespaceState state, List<NamespaceState> allowed) {
        super("Namespace has invalid state: " + shortName(state) + ". Must be "
                + allowed.stream().map(NamespaceInvalidStateException::shortName).collect(Collectors.joining(" or ")) + ".");
        this.namespace = namespace;
        this.state = state;
        this.allowed = List.copyOf(allowed);
    }

    /** Temporal prints NAMESPACE_STATE_DEPRECATED as "Deprecated". */
    static String shortName(NamespaceState s) {
        String n = s.name().replace("NAMESPACE_STATE_", "");
        return n.isEmpty() ? n : n.charAt(0) + n.substring(1).toLowerCase(java.util.Locale.ROOT);
    }

    public String namespace() {
        return namespace;
    }

    public NamespaceState state() {
        return state;
    }

    public List<NamespaceState> allowed() {
        return allowed;
    }
}
