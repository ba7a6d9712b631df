package io.kairos.frontend.grpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Walks a request (nested messages, repeated fields, map keys and values) for what no handler can use: a NUL
 * character in a string (Postgres text columns refuse it) and an enum number the API does not define.
 */
final class RequestStrings {
    /**
     * Free text kept only inside protobuf blobs: an SDK may put any exception message here, and refusing it would
     * leave a worker unable to report the failure at all. Payloads hold bytes (their metadata keys are blob too).
     */
    private static final Set<String> BLOB_ONLY = Set.of("temporal.api.failure.v1.Failure", "temporal.api.common.v1.Payload");
    /** Deep enough for any real request; deeper nesting (only crafted requests) is not walked further. */
    private static final int MAX_DEPTH = 64;

    private RequestStrings() {
    }

    /** What is wrong with the request, as the INVALID_ARGUMENT message, or null. */
    static String problem(Message request) {
        return walk(request, "", 0);
    }

    private static String walk(Message m, String path, int depth) {
        Descriptor type = m.getDescriptorForType();
        if (depth > MAX_DEPTH || BLOB_ONLY.contains(type.getFullName())) {
            return null;
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
