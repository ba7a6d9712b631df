package io.kairos.frontend.namespace;

import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NamespaceNotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.namespace.NamespaceRow;

import java.util.Optional;
import java.util.function.Function;

/** A namespace named by exactly one of its name or its id, as DescribeNamespace and DeleteNamespace take it. */
record NamespaceRef(String name, NamespaceId id) {
    /**
     * @param bothSetMessage Temporal words this differently per RPC
     */
    static NamespaceRef of(String name, String id, String bothSetMessage) {
        if (!name.isEmpty()) {
            NamespaceValidation.requireName(name);
        }
        if (name.isEmpty() && id.isEmpty()) {
            throw new InvalidArgumentException("Namespace not set on request.");
        }
        if (!name.isEmpty() && !id.isEmpty()) {
            throw new InvalidArgumentException(bothSetMessage);
        }
        return name.isEmpty() ? new NamespaceRef(null, NamespaceValidation.parseId(id)) : new NamespaceRef(name, null);
    }

    NamespaceRow lookup(Function<String, Optional<NamespaceRow>> byName, Function<NamespaceId, Optional<NamespaceRow>> byId) {
        return name != null
                ? byName.apply(name).orElseThrow(() -> new NamespaceNotFoundException(name))
                : byId.apply(id).orElseThrow(() -> new NamespaceNotFoundException(id.toString()));
    }
}
