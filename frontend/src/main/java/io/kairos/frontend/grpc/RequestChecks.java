package io.kairos.frontend.grpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Walks a request (nested messages, repeated fields, map keys and values) for what no handler can use: a NUL
 * character in a string (Postgres text columns refuse it), an enum number the API does not define, and a Timestamp or
 * Duration outside the range protobuf defines for them (java.time and Postgres cannot hold those).
 */
final class RequestChecks {
    /**
     * Free text kept only inside protobuf blobs: an SDK may put any exception message here, and refusing it would
     * leave a worker unable to report the failure at all. Payloads hold bytes (their metadata keys are blob too).
     */
    private static final Set<String> BLOB_ONLY = Set.of("temporal.api.failure.v1.Failure", "temporal.api.common.v1.Payload");
    /** Deep enough for any real request; deeper nesting (only crafted requests) is not walked further. */
    private static final int MAX_DEPTH = 64;

    private RequestChecks() {
    }

    /**
     * The fields worth looking at per message type: strings, enums and messages (numbers, booleans and bytes can hold
     * nothing this check refuses). Computed once per type: every request passes here.
     */
    private static final java.util.concurrent.ConcurrentHashMap<Descriptor, FieldDescriptor[]> CHECKED =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** What is wrong with the request, as the INVALID_ARGUMENT message, or null. */
    static String problem(Message request) {
        // The common case, a clean request, is decided without building field paths or field maps; only a refused
        // request is walked again to name the field.
        return clean(request, 0) ? null : walk(request, "", 0);
    }

    private static FieldDescriptor[] checked(Descriptor type) {
        return CHECKED.computeIfAbsent(type, t -> t.getFields().stream().filter(f -> switch (f.getJavaType()) {
            case STRING, ENUM, MESSAGE -> true;
            default -> false;
        }).toArray(FieldDescriptor[]::new));
    }

    private static boolean clean(Message m, int depth) {
        Descriptor type = m.getDescriptorForType();
        if (depth > MAX_DEPTH || BLOB_ONLY.contains(type.getFullName())) {
            return true;
        }
        if (m instanceof Timestamp t) {
            return validTimestamp(t);
        }
        if (m instanceof Duration d) {
            return validDuration(d);
        }
        for (FieldDescriptor f : checked(type)) {
            if (f.isRepeated()) {
                int n = m.getRepeatedFieldCount(f);
                for (int i = 0; i < n; i++) {
                    if (!cleanValue(f, m.getRepeatedField(f, i), depth)) {
                        return false;
                    }
                }
            } else if (m.hasField(f) && !cleanValue(f, m.getField(f), depth)) {
                return false;
            }
        }
        return true;
    }

    private static boolean cleanValue(FieldDescriptor f, Object v, int depth) {
        return switch (f.getJavaType()) {
            case STRING -> ((String) v).indexOf('\0') < 0;
            case ENUM -> {
                EnumValueDescriptor ev = (EnumValueDescriptor) v;
                yield ev.getType().findValueByNumber(ev.getNumber()) != null;
            }
            case MESSAGE -> clean((Message) v, depth + 1);
            default -> true;
        };
    }

    private static String walk(Message m, String path, int depth) {
        Descriptor type = m.getDescriptorForType();
        if (depth > MAX_DEPTH || BLOB_ONLY.contains(type.getFullName())) {
            return null;
        }
        if (m instanceof Timestamp t) {
            return validTimestamp(t) ? null : (path.isEmpty() ? "Timestamp" : path) + " is not a valid timestamp.";
        }
        if (m instanceof Duration d) {
            return validDuration(d) ? null : (path.isEmpty() ? "Duration" : path) + " is not a valid duration.";
        }
        for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            String name = path.isEmpty() ? f.getName() : path + "." + f.getName();
            if (f.isRepeated()) {
                List<?> values = (List<?>) e.getValue();
                for (int i = 0; i < values.size(); i++) {
                    String p = value(f, values.get(i), f.isMapField() ? name : name + "[" + i + "]", depth);
                    if (p != null) {
                        return p;
                    }
                }
            } else {
                String p = value(f, e.getValue(), name, depth);
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    /** 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z, as google/protobuf/timestamp.proto defines. */
    static boolean validTimestamp(Timestamp t) {
        return t.getSeconds() >= -62_135_596_800L && t.getSeconds() <= 253_402_300_799L
                && t.getNanos() >= 0 && t.getNanos() < 1_000_000_000;
    }

    /** About ±10,000 years, nanos of the same sign as the seconds, as google/protobuf/duration.proto defines. */
    static boolean validDuration(Duration d) {
        long s = d.getSeconds();
        int n = d.getNanos();
        return s >= -315_576_000_000L && s <= 315_576_000_000L && n > -1_000_000_000 && n < 1_000_000_000
                && !(s > 0 && n < 0) && !(s < 0 && n > 0);
    }

    private static String value(FieldDescriptor f, Object v, String path, int depth) {
        return switch (f.getJavaType()) {
            case STRING -> ((String) v).indexOf('\0') >= 0
                    ? path + " contains a NUL character, which is not allowed." : null;
            case ENUM -> {
                EnumValueDescriptor ev = (EnumValueDescriptor) v;
                yield ev.getType().findValueByNumber(ev.getNumber()) == null
                        ? "Unknown " + ev.getType().getName() + " value " + ev.getNumber() + " in " + path + "." : null;
            }
            case MESSAGE -> walk((Message) v, path, depth + 1);
            default -> null;
        };
    }
}
