package io.kairos.frontend.namespace;

import io.kairos.common.errors.NamespaceInvalidStateException;
import io.kairos.common.errors.NamespaceNotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.namespace.NamespaceRow;
import io.temporal.api.enums.v1.NamespaceState;

import java.util.List;

/** Turns a request's namespace name into its id through the registry cache, checking the namespace's state. */
public final class NamespaceResolver {
    private static final List<NamespaceState> ACTIVE = List.of(NamespaceState.NAMESPACE_STATE_REGISTERED);
    private static final List<NamespaceState> USABLE =
            List.of(NamespaceState.NAMESPACE_STATE_REGISTERED, NamespaceState.NAMESPACE_STATE_DEPRECATED);

    private final NamespaceRegistry registry;

    public NamespaceResolver(NamespaceRegistry registry) {
        this.registry = registry;
    }

    /** For starting new work: REGISTERED only. */
    public NamespaceId forNewWork(String name) {
        return resolve(name, ACTIVE);
    }

    /** For everything else: REGISTERED or DEPRECATED. */
    public NamespaceId forExistingWork(String name) {
        return resolve(name, USABLE);
    }

    /** The namespace row (id and config) for everything but new work: REGISTERED or DEPRECATED. */
    public NamespaceRow existing(String name) {
        return row(name, USABLE);
    }

    private NamespaceId resolve(String name, List<NamespaceState> allowed) {
        return row(name, allowed).id();
    }

    private NamespaceRow row(String name, List<NamespaceState> allowed) {
        NamespaceValidation.requireName(name);
        NamespaceRow row = registry.getByName(name).orElseThrow(() -> new NamespaceNotFoundException(name));
        if (!allowed.contains(row.state())) {
            throw new NamespaceInvalidStateException(name, row.state(), allowed);
        }
        return row;
    }
}
