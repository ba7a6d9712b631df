package io.kairos.frontend.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.util.BitSet;
import java.util.Set;

/**
 * {@link RequestChecks}'s test of a clean request, run over the request's encoding instead of through protobuf's
 * reflection: the reflective walk (two reflective calls per set field) was about 9 % of the server's CPU in a
 * one-activity benchmark, the encoding and one pass over it a small part of that.
 *
 * <p>It may only err towards "not clean": the caller then walks the parsed message, which decides. So whatever the
 * parsed message could hold differently from a field-by-field reading of the bytes answers "not clean": a singular
 * field that occurs twice (the parser keeps the last value or merges messages), bytes that do not read.
 */
final class WireChecks {
    private static final int MAX_DEPTH = 64;
    private static final String TIMESTAMP = Timestamp.getDescriptor().getFullName();
    private static final String DURATION = Duration.getDescriptor().getFullName();

    private WireChecks() {
    }

    /** True when the message of {@code type} encoded in {@code bytes} has nothing {@link RequestChecks} refuses. */
    static boolean clean(Descriptor type, byte[] bytes, Set<String> blobOnly) {
        if (blobOnly.contains(type.getFullName())) {
            return true;
        }
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        try {
            return message(type, in, bytes, 0, blobOnly);
        } catch (IOException | RuntimeException unreadable) {
            return false;
        }
    }

    /** Reads one message up to the stream's current limit. */
    private static boolean message(Descriptor type, CodedInputStream in, byte[] bytes, int depth, Set<String> blobOnly)
            throws IOException {
        if (depth > MAX_DEPTH || blobOnly.contains(type.getFullName())) {
            in.skipRawBytes(in.getBytesUntilLimit());
            return true;
        }
        if (type.getFullName().equals(TIMESTAMP) || type.getFullName().equals(DURATION)) {
            return timeValue(type.getFullName().equals(TIMESTAMP), in);
        }
        BitSet singular = null; // singular fields seen, by number
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            FieldDescriptor f = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
            int wire = WireFormat.getTagWireType(tag);
            boolean checked = f != null && switch (f.getJavaType()) {
                case STRING, MESSAGE -> wire == WireFormat.WIRETYPE_LENGTH_DELIMITED;
                case ENUM -> wire == WireFormat.WIRETYPE_VARINT
                        || (f.isRepeated() && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED);
                default -> false;
            };
            if (!checked) { // not a field the checks look at, or one the parser keeps as an unknown field
                in.skipField(tag);
                continue;
            }
            if (!f.isRepeated()) {
                singular = singular == null ? new BitSet() : singular;
                if (singular.get(f.getNumber())) {
                    return false;
                }
                singular.set(f.getNumber());
            }
            switch (f.getJavaType()) {
                case STRING -> {
                    int length = in.readRawVarint32();
                    int start = in.getTotalBytesRead();
                    for (int i = start; i < start + length; i++) {
                        if (bytes[i] == 0) { // UTF-8 encodes U+0000, and only it, with a zero byte
                            return false;
                        }
                    }
                    in.skipRawBytes(length);
                }
                case ENUM -> {
                    EnumDescriptor e = f.getEnumType();
                    if (wire == WireFormat.WIRETYPE_VARINT) {
                        if (e.findValueByNumber(in.readEnum()) == null) {
                            return false;
                        }
                    } else { // packed
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            if (e.findValueByNumber(in.readEnum()) == null) {
                                return false;
                            }
                        }
                        in.popLimit(limit);
                    }
                }
                default -> { // MESSAGE
                    int limit = in.pushLimit(in.readRawVarint32());
                    if (!message(f.getMessageType(), in, bytes, depth + 1, blobOnly)) {
                        return false;
                    }
                    in.popLimit(limit);
                }
            }
        }
        return true;
    }

    private static boolean timeValue(boolean timestamp, CodedInputStream in) throws IOException {
        long seconds = 0;
        int nanos = 0;
        boolean seenSeconds = false;
        boolean seenNanos = false;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int number = WireFormat.getTagFieldNumber(tag);
            if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_VARINT || (number != 1 && number != 2)) {
                in.skipField(tag);
            } else if (number == 1) {
                if (seenSeconds) {
                    return false;
                }
                seenSeconds = true;
                seconds = in.readInt64();
            } else {
                if (seenNanos) {
                    return false;
                }
                seenNanos = true;
                nanos = in.readInt32();
            }
        }
        return timestamp ? RequestChecks.validTimestamp(seconds, nanos) : RequestChecks.validDuration(seconds, nanos);
    }
}
