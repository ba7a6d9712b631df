package io.kairos.persistence.namespace;

import java.util.List;

/** A page of namespaces ordered by id; nextPageToken is null on the last page. */
public record NamespacePage(List<NamespaceRow> rows, byte[] nextPageToken) {
}
