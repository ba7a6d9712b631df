package io.kairos.e2e.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.temporal.api.enums.v1.IndexedValueType;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * One request per seed for a request type, from its descriptor alone. Modes: a plausible request (values aimed at
 * the namespace, workflows and task queue the test created, so deep code paths run), the same with one field made
 * hostile (empty, huge, NUL, invalid UTF-8, extreme numbers and durations, unknown enum numbers and fields, long
 * repeated fields), a random message, or plausible bytes mangled on the wire.
 */
final class RequestGenerator {
    /** What plausible requests aim at; {@code scratch} for RPCs that destroy what they touch. */
    record Targets(String namespace, String scratch, List<String> workflowIds, List<String> runIds, String taskQueue,
                   String workflowType, List<ByteString> taskTokens) {
    }

    /** The wire bytes, how they were made, and the message before any byte-level change (null for pure noise). */
    record Request(byte[] bytes, String mode, String mutation, Message message) {
    }

    /** Stands for invalid UTF-8: replaced in the serialized bytes by as many bytes that are not UTF-8. */
    private static final String BAD_UTF8_MARKER = "\uE000\uE001\uE002\uE003";
    private static final byte[] MARKER_BYTES = BAD_UTF8_MARKER.getBytes(StandardCharsets.UTF_8);
    private static final int MAX_DEPTH = 6;
    private static final List<String> QUERIES = List.of("", "WorkflowType = 'FuzzWorkflow'",
            "ExecutionStatus = 'Running' ORDER BY StartTime DESC", "WorkflowId = 'fuzz-wf-0'",
            "TaskQueue = 'fuzz-tq' AND StartTime > '2020-01-01T00:00:00Z'", "CustomKeywordField = 'x'",
            "WorkflowId IN ('a', 'b')", "BuildIds IS NULL", "`Custom Field` = 1");
    /** The attributes the test registers (see ApiFuzzTest), one system attribute and one unknown name. */
    static final Map<String, IndexedValueType> SEARCH_ATTRIBUTES = Map.of("fuzz_kw", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
            "fuzz_text", IndexedValueType.INDEXED_VALUE_TYPE_TEXT, "fuzz_int", IndexedValueType.INDEXED_VALUE_TYPE_INT,
            "fuzz_double", IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE, "fuzz_bool", IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
            "fuzz_dt", IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
            "fuzz_kwl", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);
    private static final List<String> ATTRIBUTE_NAMES = List.of("fuzz_kw", "fuzz_text", "fuzz_int", "fuzz_double",
            "fuzz_bool", "fuzz_dt", "fuzz_kwl", "WorkflowType", "NoSuchAttribute");
    /** Payload data: plausible JSON most of the time, else what a careless or hostile client could send. */
    private static final List<String> JSON_VALUES = List.of("\"fuzz\"", "42", "1.5", "true", "[\"a\",\"b\"]",
            "\"2024-05-01T10:00:00Z\"", "\"a\\u0000b\"", "[\"x\\u0000\"]", "\"+99999-01-01T00:00:00Z\"",
            "\"-999999999-01-01T00:00:00Z\"", "1e400", "-9223372036854775809", "NaN", "{", "null", "[]", "\"\"",
            "{\"k\":\"v\\u0000\"}", "\"\\ud800\"");

    private final Random random;
    private final Targets targets;
    private final boolean destructive;
    private final boolean plausible;
    /** The field (in visiting order) to make hostile; -1 for none. */
    private final int target;
    private int visited;
    private String mutation = "";

    private RequestGenerator(long seed, Targets targets, boolean destructive, boolean plausible, int target) {
        this.random = new Random(seed);
        this.targets = targets;
        this.destructive = destructive;
        this.plausible = plausible;
        this.target = target;
    }

    static Request generate(Message prototype, Targets targets, boolean destructive, long seed) {
        Random choice = new Random(seed ^ 0x5DEECE66DL);
        int mode = choice.nextInt(100);
        if (mode < 15) {
            return encode(new RequestGenerator(seed, targets, destructive, true, -1).build(prototype), "plausible", "");
        }
        if (mode < 70) {
            // First pass counts the fields visited; the second, from the same seed, replays up to the chosen one.
            RequestGenerator count = new RequestGenerator(seed, targets, destructive, true, -1);
            count.build(prototype);
            RequestGenerator g = new RequestGenerator(seed, targets, destructive, true,
                    count.visited == 0 ? -1 : choice.nextInt(count.visited));
            Message m = g.build(prototype);
            return encode(m, "mutated", g.mutation);
        }
        if (mode < 85) {
            return encode(new RequestGenerator(seed, targets, destructive, false, -1).build(prototype), "random", "");
        }
        Message m = new RequestGenerator(seed, targets, destructive, true, -1).build(prototype);
        byte[] bytes = m.toByteArray();
        return new Request(mangle(bytes, choice), "wire", "bytes mangled", m);
    }

    private static Request encode(Message m, String mode, String mutation) {
        return new Request(replaceMarkers(m.toByteArray()), mode, mutation, m);
    }

    private Message build(Message prototype) {
        return message(prototype.newBuilderForType(), "", 0);
    }

    private Message message(Message.Builder b, String path, int depth) {
        Descriptor type = b.getDescriptorForType();
        if (type.getFullName().equals("google.protobuf.Duration") || type.getFullName().equals("google.protobuf.Timestamp")) {
            return time(b, path, type.getFullName().endsWith("Duration"));
        }
        for (FieldDescriptor f : type.getFields()) {
            String p = path.isEmpty() ? f.getName() : path + "." + f.getName();
            boolean hostile = visited++ == target;
            if (hostile) {
                hostile(b, f, p, depth);
                continue;
            }
            if (depth >= MAX_DEPTH && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            // Few optional fields in plausible requests: each one more is one more way to be refused early.
            double chance = plausible ? 0.3 : 0.4;
            if (important(f) && plausible) {
                chance = 0.97;
            }
            if (random.nextDouble() >= chance) {
                continue;
            }
            if (f.isRepeated()) {
                int n = random.nextInt(plausible ? 3 : 4);
                for (int i = 0; i < n; i++) {
                    b.addRepeatedField(f, value(b, f, p, depth));
                }
            } else {
                b.setField(f, value(b, f, p, depth));
            }
        }
        return b.build();
    }

    private static boolean important(FieldDescriptor f) {
        return switch (f.getName()) {
            case "namespace", "workflow_id", "workflow_execution", "execution", "task_queue", "workflow_type", "name",
                 "request_id", "identity", "task_token", "commands", "command_type", "activity_id", "activity_type",
                 "query", "signal_name", "query_type", "schedule_id", "job_id", "update_id" -> true;
            default -> false;
        };
    }

    private Object value(Message.Builder parent, FieldDescriptor f, String path, int depth) {
        return switch (f.getJavaType()) {
            case STRING -> plausible ? plausibleString(parent.getDescriptorForType(), f) : hostileString();
            case BYTE_STRING -> plausible && f.getName().equals("task_token") && !targets.taskTokens().isEmpty()
                    && random.nextInt(4) > 0 ? targets.taskTokens().get(random.nextInt(targets.taskTokens().size()))
                    : plausible && f.getName().endsWith("page_token") ? ByteString.EMPTY
                    : plausible ? ByteString.copyFrom(randomBytes(random.nextInt(24))) : ByteString.copyFrom(
                    randomBytes(random.nextInt(200)));
            case INT -> plausible ? random.nextInt(plausibleBound(f)) : extremeInt();
            case LONG -> plausible ? (long) random.nextInt(plausibleBound(f)) : extremeLong();
            case FLOAT -> random.nextFloat();
            case DOUBLE -> plausible ? random.nextDouble() : extremeDouble();
            case BOOLEAN -> random.nextBoolean();
            case ENUM -> {
                EnumDescriptor e = f.getEnumType();
                yield plausible || random.nextInt(4) > 0 ? e.getValues().get(random.nextInt(e.getValues().size()))
                        : e.findValueByNumberCreatingIfUnknown(unknownEnumNumber(e));
            }
            case MESSAGE -> {
                Message.Builder nested = parent.newBuilderForField(f);
                if (nested.getDescriptorForType().getFullName().equals("temporal.api.common.v1.Payload") && plausible) {
                    yield payload(nested);
                }
                yield message(nested, path, depth + 1);
            }
        };
    }

    private int plausibleBound(FieldDescriptor f) {
        return f.getName().contains("page_size") || f.getName().contains("count") ? 50 : 6;
    }

    private String plausibleString(Descriptor owner, FieldDescriptor f) {
        String owning = owner.getName();
        return switch (f.getName()) {
            case "namespace" -> destructive ? targets.scratch() : targets.namespace();
            case "workflow_id" -> pick(targets.workflowIds());
            case "run_id", "first_execution_run_id" -> random.nextInt(3) == 0 ? "" : pick(targets.runIds());
            case "name" -> owning.equals("TaskQueue") ? targets.taskQueue()
                    : owning.equals("WorkflowType") ? targets.workflowType() : "fuzz-" + random.nextInt(5);
            case "request_id" -> new UUID(random.nextLong(), random.nextLong()).toString();
            case "query" -> pick(QUERIES);
            case "identity" -> "fuzzer@test";
            case "schedule_id" -> "fuzz-schedule-" + random.nextInt(3);
            case "query_type" -> random.nextBoolean() ? "__stack_trace" : "q";
            case "job_id" -> "fuzz-job-" + random.nextInt(3);
            case "signal_name" -> "sig";
            case "key" -> owning.equals("IndexedFieldsEntry") ? pick(ATTRIBUTE_NAMES) : alnum(1 + random.nextInt(12));
            default -> f.getName().endsWith("_id") ? "fuzz-" + random.nextInt(5) : alnum(1 + random.nextInt(12));
        };
    }

    private Message payload(Message.Builder b) {
        Descriptor d = b.getDescriptorForType();
        FieldDescriptor metadata = d.findFieldByName("metadata");
        Message.Builder entry = b.newBuilderForField(metadata);
        entry.setField(entry.getDescriptorForType().findFieldByName("key"), "encoding");
        entry.setField(entry.getDescriptorForType().findFieldByName("value"), ByteString.copyFromUtf8("json/plain"));
        b.addRepeatedField(metadata, entry.build());
        String json = random.nextInt(3) > 0 ? JSON_VALUES.get(random.nextInt(6)) : pick(JSON_VALUES);
        if (random.nextInt(20) == 0) {
            json = "\"" + "z".repeat(3000) + "\"";
        }
        b.setField(d.findFieldByName("data"), ByteString.copyFromUtf8(json));
        return b.build();
    }

    private Message time(Message.Builder b, String path, boolean duration) {
        FieldDescriptor seconds = b.getDescriptorForType().findFieldByName("seconds");
        FieldDescriptor nanos = b.getDescriptorForType().findFieldByName("nanos");
        boolean hostile = visited++ == target || !plausible;
        if (hostile) {
            long[] s = {Long.MAX_VALUE, Long.MIN_VALUE, -1, 315_576_000_001L, -315_576_000_001L, 253_402_300_800L, 0};
            int[] n = {0, -1, 1_000_000_000, Integer.MAX_VALUE, Integer.MIN_VALUE, 999_999_999};
            b.setField(seconds, s[random.nextInt(s.length)]);
            b.setField(nanos, n[random.nextInt(n.length)]);
            if (visited - 1 == target) {
                mutation = path + ": extreme " + (duration ? "duration" : "timestamp");
            }
        } else {
            long base = duration ? 1 + random.nextInt(3600) : System.currentTimeMillis() / 1000 - random.nextInt(86_400);
            b.setField(seconds, base);
        }
        return b.build();
    }

    /** Makes field {@code f} of {@code b} hostile (setting it even if the plausible pass would have left it out). */
    private void hostile(Message.Builder b, FieldDescriptor f, String path, int depth) {
        if (f.isRepeated() && random.nextInt(3) == 0) {
            int n = 200 + random.nextInt(1800);
            mutation = path + ": " + n + " elements";
            for (int i = 0; i < n; i++) {
                b.addRepeatedField(f, value(b, f, path, depth));
            }
            return;
        }
        Object v;
        switch (f.getJavaType()) {
            case STRING -> {
                String s = hostileString();
                mutation = path + ": string " + describe(s);
                v = s;
            }
            case BYTE_STRING -> {
                int n = random.nextInt(5) == 0 ? 2 * 1024 * 1024 + 10 : random.nextInt(4096);
                mutation = path + ": " + n + " random bytes";
                v = ByteString.copyFrom(randomBytes(n));
            }
            case INT -> {
                v = extremeInt();
                mutation = path + ": " + v;
            }
            case LONG -> {
                v = extremeLong();
                mutation = path + ": " + v;
            }
            case FLOAT -> {
                v = random.nextBoolean() ? Float.NaN : Float.NEGATIVE_INFINITY;
                mutation = path + ": " + v;
            }
            case DOUBLE -> {
                v = extremeDouble();
                mutation = path + ": " + v;
            }
            case BOOLEAN -> {
                v = true;
                mutation = path + ": true";
            }
            case ENUM -> {
                int n = unknownEnumNumber(f.getEnumType());
                v = f.getEnumType().findValueByNumberCreatingIfUnknown(n);
                mutation = path + ": unknown enum number " + n;
            }
            case MESSAGE -> {
                Message.Builder nested = b.newBuilderForField(f);
                if (random.nextBoolean()) {
                    nested.setUnknownFields(UnknownFieldSet.newBuilder()
                            .addField(1000 + random.nextInt(5000), UnknownFieldSet.Field.newBuilder()
                                    .addVarint(random.nextLong())
                                    .addLengthDelimited(ByteString.copyFrom(randomBytes(random.nextInt(64)))).build())
                            .build());
                    mutation = path + ": empty message with unknown fields";
                } else {
                    mutation = path + ": empty message";
                }
                v = nested.build();
            }
            default -> throw new IllegalStateException();
        }
        if (f.isRepeated()) {
            b.addRepeatedField(f, v);
        } else {
            b.setField(f, v);
        }
    }

    private String hostileString() {
        return switch (random.nextInt(14)) {
            case 0 -> "";
            case 1 -> "a\0b";
            case 2 -> "\0";
            case 3 -> BAD_UTF8_MARKER;
            case 4 -> "x" + BAD_UTF8_MARKER + "y";
            case 5 -> "x".repeat(1000 + random.nextInt(2));
            case 6 -> "y".repeat(10_000 + random.nextInt(90_000));
            case 7 -> "\uD834\uDD1E".repeat(1 + random.nextInt(6000));
            case 8 -> "' OR 1=1; DROP TABLE executions; --";
            case 9 -> "%s%n%x\\u0000${jndi:ldap://x}";
            case 10 -> " \t\r\n\u202E\uFEFF ";
            case 11 -> "é".repeat(501 + random.nextInt(1000));
            case 12 -> alnum(1 + random.nextInt(40)) + "\0";
            default -> randomUnicode(1 + random.nextInt(60));
        };
    }

    private static String describe(String s) {
        if (s.contains(BAD_UTF8_MARKER)) {
            return "with invalid UTF-8";
        }
        if (s.indexOf('\0') >= 0) {
            return "with NUL (" + s.length() + " chars)";
        }
        return s.length() > 40 ? s.length() + " chars starting " + s.substring(0, 8) : "'" + s + "'";
    }

    private int unknownEnumNumber(EnumDescriptor e) {
        int[] n = {-1, 9999, Integer.MAX_VALUE, Integer.MIN_VALUE, e.getValues().size() + 7};
        int v;
        do {
            v = n[random.nextInt(n.length)];
        } while (e.findValueByNumber(v) != null);
        return v;
    }

    private int extremeInt() {
        int[] v = {Integer.MAX_VALUE, Integer.MIN_VALUE, -1, 0, 1_000_000};
        return v[random.nextInt(v.length)];
    }

    private long extremeLong() {
        long[] v = {Long.MAX_VALUE, Long.MIN_VALUE, -1, 0, Integer.MAX_VALUE + 1L, 1L << 53};
        return v[random.nextInt(v.length)];
    }

    private double extremeDouble() {
        double[] v = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, Double.MAX_VALUE, -1e308};
        return v[random.nextInt(v.length)];
    }

    private String pick(List<String> values) {
        return values.get(random.nextInt(values.size()));
    }

    private String alnum(int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append("abcdefghijklmnopqrstuvwxyz0123456789-_".charAt(random.nextInt(38)));
        }
        return sb.toString();
    }

    private String randomUnicode(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int cp;
            do {
                cp = random.nextInt(4) == 0 ? random.nextInt(0x110000) : random.nextInt(0x800);
            } while ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0);
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Swaps each marker for as many bytes that are not UTF-8, so no length prefix changes. */
    private static byte[] replaceMarkers(byte[] bytes) {
        byte[][] bad = {
                {(byte) 0xFF, (byte) 0xFE, (byte) 0xFD, (byte) 0xFC, (byte) 0xFB, (byte) 0xFA, (byte) 0xF9, (byte) 0xF8,
                        (byte) 0xF7, (byte) 0xF6, (byte) 0xF5, (byte) 0xC0},
                {'a', (byte) 0xC0, (byte) 0x80, 'b', (byte) 0xED, (byte) 0xA0, (byte) 0x80, 'c', (byte) 0xC3, '(', 'd', 'e'},
        };
        int variant = 0;
        for (int i = 0; i + MARKER_BYTES.length <= bytes.length; i++) {
            if (java.util.Arrays.equals(bytes, i, i + MARKER_BYTES.length, MARKER_BYTES, 0, MARKER_BYTES.length)) {
                System.arraycopy(bad[variant++ % bad.length], 0, bytes, i, MARKER_BYTES.length);
                i += MARKER_BYTES.length - 1;
            }
        }
        return bytes;
    }

    private static byte[] mangle(byte[] bytes, Random random) {
        switch (random.nextInt(4)) {
            case 0 -> {
                byte[] b = bytes.clone();
                for (int i = 0, n = 1 + random.nextInt(4); i < n && b.length > 0; i++) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
                return b;
            }
            case 1 -> {
                return java.util.Arrays.copyOf(bytes, bytes.length == 0 ? 0 : random.nextInt(bytes.length));
            }
            case 2 -> {
                byte[] tail = new byte[1 + random.nextInt(32)];
                random.nextBytes(tail);
                byte[] b = java.util.Arrays.copyOf(bytes, bytes.length + tail.length);
                System.arraycopy(tail, 0, b, bytes.length, tail.length);
                return b;
            }
            default -> {
                byte[] b = new byte[random.nextInt(256)];
                random.nextBytes(b);
                return b;
            }
        }
    }
}
