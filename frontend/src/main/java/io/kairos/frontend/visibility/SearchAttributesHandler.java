package io.kairos.frontend.visibility;

import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.frontend.namespace.NamespaceResolver;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.persistence.visibility.SearchAttributeValues;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.AddSearchAttributesResponse;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.api.operatorservice.v1.RemoveSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.RemoveSearchAttributesResponse;

import java.util.LinkedHashMap;
import java.util.Map;

/** OperatorService Add/Remove/ListSearchAttributes: custom attributes per namespace, with Temporal's checks. */
public final class SearchAttributesHandler {
    private final NamespaceResolver namespaces;
    private final PostgresVisibilityStore store;

    public SearchAttributesHandler(NamespaceResolver namespaces, PostgresVisibilityStore store) {
        this.namespaces = namespaces;
        this.store = store;
    }

    private NamespaceId namespace(String name) {
        if (name.isEmpty()) {
            throw new InvalidArgumentException("Namespace not set on request.");
        }
        return namespaces.forExistingWork(name);
    }

    public AddSearchAttributesResponse add(AddSearchAttributesRequest req) {
        if (req.getSearchAttributesCount() == 0) {
            throw new InvalidArgumentException("SearchAttributes are not set on request.");
        }
        NamespaceId ns = namespace(req.getNamespace());
        Map<String, IndexedValueType> existing = store.searchAttributes(ns);
        Map<String, IndexedValueType> toAdd = new LinkedHashMap<>();
        for (var e : req.getSearchAttributesMap().entrySet()) {
            String name = e.getKey();
            requireValidName(name);
            if (SearchAttributeCatalog.isReserved(name)) {
                throw new InvalidArgumentException("Search attribute " + name + " is reserved by system.");
            }
            IndexedValueType type = e.getValue();
            if (type == IndexedValueType.INDEXED_VALUE_TYPE_UNSPECIFIED || type == IndexedValueType.UNRECOGNIZED) {
                throw new InvalidArgumentException("Unknown search attribute type: " + req.getSearchAttributesMap()
                        .get(name));
            }
            IndexedValueType old = existing.get(name);
            if (old != null && old != type) {
                throw new InvalidArgumentException("Search attribute " + name + " already exists.");
            }
            if (old == null) {
                toAdd.put(name, type);
            }
        }
        if (existing.size() + toAdd.size() > SearchAttributeValues.MAX_KEYS) {
            throw new InvalidArgumentException("Unable to add search attributes: cannot have more than "
                    + SearchAttributeValues.MAX_KEYS + " custom search attributes.");
        }
        if (!toAdd.isEmpty()) {
            store.addSearchAttributes(ns, toAdd);
        }
        return AddSearchAttributesResponse.getDefaultInstance();
    }

    /** Letters, digits and underscores, not starting with a digit (what Temporal's SQL visibility accepts). */
    private static void requireValidName(String name) {
        boolean ok = !name.isEmpty() && name.length() <= 64 && !Character.isDigit(name.charAt(0));
        for (int i = 0; ok && i < name.length(); i++) {
            char c = name.charAt(i);
            ok = c < 128 && (Character.isLetterOrDigit(c) || c == '_');
        }
        if (!ok) {
            throw new InvalidArgumentException("Search attribute name " + name + " is invalid: use letters, digits "
                    + "and underscores, up to 64 characters, not starting with a digit.");
        }
    }

    public RemoveSearchAttributesResponse remove(RemoveSearchAttributesRequest req) {
        if (req.getSearchAttributesCount() == 0) {
            throw new InvalidArgumentException("SearchAttributes are not set on request.");
        }
        NamespaceId ns = namespace(req.getNamespace());
        Map<String, IndexedValueType> existing = store.searchAttributes(ns);
        for (String name : req.getSearchAttributesList()) {
            if (SearchAttributeCatalog.isReserved(name)) {
                throw new InvalidArgumentException("Unable to remove non-custom search attributes: " + name + ".");
            }
            if (!existing.containsKey(name)) {
                throw new NotFoundException("Search attribute " + name + " doesn't exist.");
            }
        }
        store.removeSearchAttributes(ns, req.getSearchAttributesList());
        return RemoveSearchAttributesResponse.getDefaultInstance();
    }

    public ListSearchAttributesResponse list(ListSearchAttributesRequest req) {
        NamespaceId ns = namespace(req.getNamespace());
        var b = ListSearchAttributesResponse.newBuilder().putAllCustomAttributes(store.searchAttributes(ns));
        SearchAttributeCatalog.systemAttributes().forEach((n, a) -> b.putSystemAttributes(n, a.type()));
        b.putAllSystemAttributes(SearchAttributeCatalog.predefined());
        return b.build();
    }
}
