package io.kairos.persistence.visibility;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.ByteString;
import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.SearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Search attribute payloads (json/plain, as every SDK sends them) to and from the JSON stored in
 * executions_visibility.search_attributes, and Temporal's validation of values on start and upsert.
 */
public final class SearchAttributeValues {
    /** Temporal's defaults: limit.numberOfSearchAttributesKeys, searchAttributesSizeOfValueLimit, ...TotalSizeLimit. */
    public static final int MAX_KEYS = 100;
    public static final int MAX_VALUE_BYTES = 2 * 1024;
    public static final int MAX_TOTAL_BYTES = 40 * 1024;

    private SearchAttributeValues() {
    }

    /** The JSON value of a payload, or null when the payload unsets the attribute (empty, null or []). */
    public static JsonElement decode(Payload p) {
        if (p.getData().isEmpty()) {
            return null;
        }
        JsonElement e;
        try {
            e = JsonParser.parseString(p.getData().toStringUtf8());
        } catch (RuntimeException ex) {
            return new JsonPrimitive(p.getData().toStringUtf8()); // not JSON: keep the text, type checks reject it
        }
        if (e.isJsonNull() || (e.isJsonArray() && e.getAsJsonArray().isEmpty())) {
            return null;
        }
        return e;
    }

    /**
     * Checks the attributes a start or upsert sets: known names, values of the registered type, Temporal's size
     * limits. Messages follow Temporal's validator.
     */
    public static void validate(SearchAttributes sa, SearchAttributeCatalog catalog) {
        Map<String, Payload> fields = sa.getIndexedFieldsMap();
        if (fields.size() > MAX_KEYS) {
            throw new InvalidArgumentException("number of search attributes " + fields.size() + " exceeds limit " + MAX_KEYS);
        }
        long total = 0;
        for (var f : fields.entrySet()) {
            String name = f.getKey();
            if (name.equals(SearchAttributeCatalog.NAMESPACE_DIVISION)) {
                JsonElement v = decode(f.getValue());
                if (v != null && !matches(v, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)) {
                    throw new InvalidArgumentException("invalid value for search attribute " + name
                            + " of type Keyword: " + f.getValue().getData().toStringUtf8());
                }
                continue;
            }
            if (SearchAttributeCatalog.system(name).isPresent()) {
                throw new InvalidArgumentException(name + " attribute can't be set in SearchAttributes");
            }
            IndexedValueType type = catalog.jsonType(name).orElseThrow(() ->
                    new InvalidArgumentException("search attribute " + name + " is not defined"));
            int size = f.getValue().getData().size();
            if (size > MAX_VALUE_BYTES) {
                throw new InvalidArgumentException("search attribute " + name + " value size " + size
                        + " exceeds size limit " + MAX_VALUE_BYTES);
            }
            total += f.getValue().getSerializedSize() + name.length();
            JsonElement v = decode(f.getValue());
            if (v != null && (!matches(v, type) || hasNul(v))) {
                throw new InvalidArgumentException("invalid value for search attribute " + name + " of type "
                        + SearchAttributeCatalog.typeName(type) + ": " + f.getValue().getData().toStringUtf8());
            }
        }
        if (total > MAX_TOTAL_BYTES) {
            throw new InvalidArgumentException("total size of search attributes " + total + " exceeds size limit "
                    + MAX_TOTAL_BYTES);
        }
    }

    static boolean matches(JsonElement v, IndexedValueType type) {
        return switch (type) {
            case INDEXED_VALUE_TYPE_KEYWORD, INDEXED_VALUE_TYPE_TEXT -> isString(v);
            case INDEXED_VALUE_TYPE_KEYWORD_LIST -> isString(v) || (v.isJsonArray() && allStrings(v.getAsJsonArray()));
            case INDEXED_VALUE_TYPE_INT -> isNumber(v) && isIntegral(v.getAsBigDecimal());
            case INDEXED_VALUE_TYPE_DOUBLE -> isNumber(v);
            case INDEXED_VALUE_TYPE_BOOL -> v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean();
            case INDEXED_VALUE_TYPE_DATETIME -> isString(v) && datetime(v.getAsString()) != null;
            default -> false;
        };
    }

    /** Postgres jsonb cannot hold a NUL character (\u0000) in any string. */
    private static boolean hasNul(JsonElement v) {
        if (v.isJsonArray()) {
            for (JsonElement e : v.getAsJsonArray()) {
                if (hasNul(e)) {
                    return true;
                }
            }
            return false;
        }
        return isString(v) && v.getAsString().indexOf('\0') >= 0;
    }

    private static boolean allStrings(JsonArray a) {
        for (JsonElement e : a) {
            if (!isString(e)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isString(JsonElement v) {
        return v.isJsonPrimitive() && v.getAsJsonPrimitive().isString();
    }

    private static boolean isNumber(JsonElement v) {
        return v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber();
    }

    private static boolean isIntegral(BigDecimal d) {
        return d.stripTrailingZeros().scale() <= 0 && d.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0;
    }

    static OffsetDateTime datetime(String s) {
        try {
            OffsetDateTime t = OffsetDateTime.parse(s);
            // Years Postgres and RFC 3339 both hold; beyond them the store would refuse the row.
            return t.getYear() >= 1 && t.getYear() <= 9999 ? t : null;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The JSON object stored for a run: unset attributes dropped, KeywordList values always arrays (so
     * containment is one @> test), Datetime values normalised to UTC RFC3339.
     */
    public static String toJson(SearchAttributes sa, SearchAttributeCatalog catalog) {
        JsonObject o = new JsonObject();
        for (var f : new java.util.TreeMap<>(sa.getIndexedFieldsMap()).entrySet()) {
            if (f.getKey().equals(SearchAttributeCatalog.NAMESPACE_DIVISION)) {
                continue; // a column of its own
            }
            JsonElement v = decode(f.getValue());
            if (v == null) {
                continue;
            }
            IndexedValueType type = catalog.jsonType(f.getKey()).orElse(IndexedValueType.INDEXED_VALUE_TYPE_UNSPECIFIED);
            if (type == IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST && !v.isJsonArray()) {
                JsonArray a = new JsonArray();
                a.add(v);
                v = a;
            } else if (type == IndexedValueType.INDEXED_VALUE_TYPE_DATETIME && isString(v)) {
                OffsetDateTime t = datetime(v.getAsString());
                if (t != null) {
                    v = new JsonPrimitive(t.toInstant().toString());
                }
            }
            o.add(f.getKey(), v);
        }
        return o.toString();
    }

    /** TemporalNamespaceDivision set at start, or null. */
    public static String namespaceDivision(SearchAttributes sa) {
        Payload p = sa.getIndexedFieldsMap().get(SearchAttributeCatalog.NAMESPACE_DIVISION);
        JsonElement v = p == null ? null : decode(p);
        return v != null && isString(v) ? v.getAsString() : null;
    }

    /** The stored JSON as API search attributes, each payload json/plain with its type in the metadata. */
    public static SearchAttributes fromJson(String json, SearchAttributeCatalog catalog) {
        SearchAttributes.Builder b = SearchAttributes.newBuilder();
        if (json == null || json.isEmpty()) {
            return b.build();
        }
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        for (var e : o.entrySet()) {
            Payload.Builder p = Payload.newBuilder()
                    .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                    .setData(ByteString.copyFrom(e.getValue().toString(), StandardCharsets.UTF_8));
            catalog.jsonType(e.getKey()).ifPresent(t ->
                    p.putMetadata("type", ByteString.copyFromUtf8(SearchAttributeCatalog.typeName(t))));
            b.putIndexedFields(e.getKey(), p.build());
        }
        return b.build();
    }
}
