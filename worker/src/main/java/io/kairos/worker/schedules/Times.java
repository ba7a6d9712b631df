package io.kairos.worker.schedules;

import com.google.protobuf.Timestamp;

import java.time.Instant;

/** Protobuf timestamps and nullable instants. */
final class Times {
    private Times() {
    }

    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    static Timestamp proto(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    /** The earlier of two instants, either of which may be null (never). */
    static Instant min(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a.isBefore(b) ? a : b;
    }
}
