package io.kairos.persistence.visibility;

import com.google.gson.JsonPrimitive;
import com.google.protobuf.ByteString;
import io.kairos.common.ids.StandaloneIds;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.SearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The search attributes of a standalone Nexus operation's visibility row: Temporal's archetype attributes
 * (OperationId, Endpoint, Service, Operation), queryable by ListNexusOperationExecutions and
 * CountNexusOperationExecutions only, and TemporalNamespaceDivision, which keeps the row out of workflow lists.
 */
public final class NexusOperationAttributes {
    public static final String OPERATION_ID = "OperationId";
    public static final String ENDPOINT = "Endpoint";
    public static final String SERVICE = "Service";
    public static final String OPERATION = "Operation";
    /** Set by the server; a user's search attributes cannot be named so. */
    public static final Set<String> BUILT_IN = Set.of(OPERATION_ID, ENDPOINT, SERVICE, OPERATION);

    private NexusOperationAttributes() {
    }

    /** The user's attributes plus the built-in ones. */
    public static SearchAttributes of(SearchAttributes user, String operationId, String endpoint, String service,
                                      String operation) {
        return user.toBuilder()
                .putIndexedFields(SearchAttributeCatalog.NAMESPACE_DIVISION, keyword(StandaloneIds.NEXUS_OPERATION_DIVISION))
                .putIndexedFields(OPERATION_ID, keyword(operationId))
                .putIndexedFields(ENDPOINT, keyword(endpoint))
                .putIndexedFields(SERVICE, keyword(service))
                .putIndexedFields(OPERATION, keyword(operation))
                .build();
    }

    /** The attributes the user set (what Describe and List answer as search_attributes). */
    public static SearchAttributes user(SearchAttributes all) {
        SearchAttributes.Builder b = all.toBuilder();
        BUILT_IN.forEach(b::removeIndexedFields);
        b.removeIndexedFields(SearchAttributeCatalog.NAMESPACE_DIVISION);
        return b.build();
    }

    /** The namespace's catalog with the built-in attributes as Keywords, for queries over these rows. */
    public static SearchAttributeCatalog catalog(Map<String, IndexedValueType> custom) {
        Map<String, IndexedValueType> all = new HashMap<>(custom);
        BUILT_IN.forEach(n -> all.put(n, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
        return new SearchAttributeCatalog(all);
    }

    /** A built-in attribute's value from a visibility row's attributes, or "". */
    public static String value(SearchAttributes all, String name) {
        Payload p = all.getIndexedFieldsMap().get(name);
        if (p == null) {
            return "";
        }
        try {
            return com.google.gson.JsonParser.parseString(p.getData().toStringUtf8()).getAsString();
        } catch (RuntimeException e) {
            return p.getData().toStringUtf8();
        }
    }

    static Payload keyword(String v) {
        return Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                .setData(ByteString.copyFrom(new JsonPrimitive(v).toString(), StandardCharsets.UTF_8)).build();
    }
}
