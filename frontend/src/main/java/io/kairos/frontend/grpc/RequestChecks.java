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

    /** What is wrong with the request, as the INVALID_ARGUMENT message, or null. */
    static String problem(Message request) {
        // The common case, a clean request, is decided over the request's encoding (WireChecks), without protobuf
        // reflection; only a request it does not pass is walked here, which decides and names the field.
        return WireChecks.clean(request.getDescriptorForType(), request.toByteArray(), BLOB_ONLY) ? null
                : walk(request, "", 0);
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
        return validTimestamp(t.getSeconds(), t.getNanos());
    }

    static boolean validTimestamp(long seconds, int nanos) {
        return seconds >= -62_135_596_800L && seconds <= 253_402_300_799L && nanos >= 0 && nanos < 1_000_000_000;
    }

    /** About ±10,000 years, nanos of the same sign as the seconds, as google/protobuf/duration.proto defines. */
    static boolean validDuration(Duration d) {
        return validDuration(d.getSeconds(), d.getNanos());
    }

    static boolean validDuration(long s, int n) {
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
