package io.kairos.worker.schedules.spec;

import com.google.protobuf.Timestamp;
import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.schedule.v1.IntervalSpec;
import io.temporal.api.schedule.v1.ScheduleSpec;
import io.temporal.api.schedule.v1.StructuredCalendarSpec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Optional;

/**
 * A schedule spec ready to produce times, with Temporal's semantics: the next time is the earliest second
 * after a given instant that some calendar or interval matches and no exclude calendar matches, within
 * start_time and end_time and not after 2100, then shifted by a deterministic jitter.
 * Calendars are matched on the wall clock of the spec's zone: a wall time that occurs twice (when clocks
 * go back) matches both instants, one that does not occur (when clocks go forward) never matches.
 * Immutable and thread-safe.
 */
public final class CompiledSpec {
    /** Candidates examined per call before giving up on a spec whose excludes swallow everything. */
    static final int DEFAULT_MAX_ITERATIONS = 10_000_000;
    private static final long NONE = CalendarMatcher.NONE;
    private static final long YEAR_2101 = 4_133_980_800L; // 2101-01-01T00:00Z: UTC times after 2100 never fire
    private static final long GO_SECONDS_TO_YEAR_ONE = 62_135_596_800L; // Go's Time counts from 0001-01-01
    private static final long SECOND_NANOS = 1_000_000_000L;
    private static final int MAX_OFFSET = 18 * 3600;

    private final Zones.Zone zone;
    private final CalendarMatcher[] calendars;
    private final CalendarMatcher[] excludes;
    private final long[] intervals; // seconds, at least 1
    private final long[] phases; // seconds, at least 0
    private final Instant notBefore; // start_time minus one second: the first second of the range can match
    private final Instant end; // null: no end
    private final long jitterNanos;
    private final int maxIterations;

    private CompiledSpec(ScheduleSpec spec, Zones.Zone zone, int maxIterations) {
        this.zone = zone;
        this.calendars = spec.getStructuredCalendarList().stream().map(CalendarMatcher::of)
                .toArray(CalendarMatcher[]::new);
        this.excludes = spec.getExcludeStructuredCalendarList().stream().map(CalendarMatcher::of)
                .toArray(CalendarMatcher[]::new);
        this.intervals = new long[spec.getIntervalCount()];
        this.phases = new long[spec.getIntervalCount()];
        for (int i = 0; i < intervals.length; i++) {
            IntervalSpec iv = spec.getInterval(i);
            intervals[i] = Math.max(ScheduleSpecs.goNanos(iv.getInterval()) / SECOND_NANOS, 1);
            phases[i] = Math.max(ScheduleSpecs.goNanos(iv.getPhase()) / SECOND_NANOS, 0);
        }
        // an absent start_time reads as the Unix epoch, as in Temporal
        this.notBefore = toInstant(spec.getStartTime()).minusSeconds(1);
        this.end = spec.hasEndTime() ? toInstant(spec.getEndTime()) : null;
        this.jitterNanos = ScheduleSpecs.goNanos(spec.getJitter());
        this.maxIterations = maxIterations;
    }

    /**
     * Compiles a spec; canonical input is expected (see {@link ScheduleSpecs#canonicalize}), though
     * non-canonical input is canonicalized on the way.
     *
     * @throws InvalidArgumentException "Invalid schedule spec: ..." for an invalid spec, an unknown zone
     *                                  or malformed timezone_data
     */
    public static CompiledSpec compile(ScheduleSpec canonical) {
        return compile(canonical, DEFAULT_MAX_ITERATIONS);
    }

    static CompiledSpec compile(ScheduleSpec spec, int maxIterations) {
        try {
            ScheduleSpec canonical = ScheduleSpecs.canonicalForm(spec);
            return new CompiledSpec(canonical, Zones.load(canonical), maxIterations);
        } catch (SpecError e) {
            throw ScheduleSpecs.invalid(e.getMessage());
        }
    }

    /** The zone calendars are evaluated in (UTC when the spec names none). */
    public ZoneId zone() {
        return zone.id();
    }

    /**
     * The next time strictly after {@code after} (at one-second resolution), as its nominal time and the
     * time with jitter added; empty when the schedule has no more times (or the search bound was hit).
     *
     * @param jitterSeed mixed into the jitter hash; Temporal uses "namespaceId-scheduleId"
     */
    public Optional<NextTime> next(Instant after, String jitterSeed) {
        jitterSeed = jitterSeed == null ? "" : jitterSeed;
        if (after.isBefore(notBefore)) {
            after = notBefore;
        }
        Search search = new Search();
        long nominal = NONE;
        long cursor = after.getEpochSecond();
        for (int iterations = 0; nominal == NONE || search.excluded(nominal); iterations++) {
            if (iterations >= maxIterations) {
                return Optional.empty();
            }
            nominal = search.rawNext(cursor);
            cursor = nominal;
            if (nominal == NONE || pastEnd(nominal)) {
                return Optional.empty();
            }
        }
        long maxJitter = jitterNanos;
        long following = search.rawNext(nominal);
        if (following != NONE) {
            maxJitter = Math.min(maxJitter, (following - nominal) * SECOND_NANOS);
        }
        Instant nominalTime = Instant.ofEpochSecond(nominal);
        return Optional.of(new NextTime(nominalTime, nominalTime.plusMillis(jitterMillis(nominal, jitterSeed,
                maxJitter))));
    }

    /** Whether an exclude calendar matches the (whole second of the) given time. */
    public boolean excluded(Instant t) {
        return new Search().excluded(t.getEpochSecond());
    }

    private boolean pastEnd(long t) {
        return (end != null && Instant.ofEpochSecond(t).isAfter(end)) || t >= YEAR_2101;
    }

    /**
     * Temporal's jitter: a 32-bit FarmHash fingerprint of the nominal time (in Go's binary time encoding,
     * UTC) followed by the seed picks a point in [0, maxJitter) at millisecond resolution.
     */
    static long jitterMillis(long nominal, String seed, long maxJitterNanos) {
        long ms = Math.min(Math.max(maxJitterNanos, 0) / 1_000_000, 0xFFFFFFFFL);
        byte[] seedBytes = seed.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(15 + seedBytes.length);
        b.put((byte) 1); // encoding version 1
        b.putLong(nominal + GO_SECONDS_TO_YEAR_ONE);
        b.putInt(0); // nanoseconds
        b.putShort((short) -1); // zone offset in minutes; -1 marks UTC
        b.put(seedBytes);
        long fingerprint = FarmHash32.fingerprint(b.array()) & 0xFFFFFFFFL;
        return (fingerprint * ms) >>> 32;
    }

    private static Instant toInstant(Timestamp ts) {
        return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
    }

    /** Per-call state: each calendar and the exclude check keep their own cached stretch of constant offset. */
    private final class Search {
        private final Offsets[] calendarOffsets = new Offsets[calendars.length];
        private final Offsets excludeOffsets = new Offsets(zone.rules());

        Search() {
            for (int i = 0; i < calendars.length; i++) {
                calendarOffsets[i] = new Offsets(zone.rules());
            }
        }

        /** The earliest calendar or interval time after {@code after}, ignoring excludes and bounds. */
        long rawNext(long after) {
            long min = Long.MAX_VALUE;
            for (int i = 0; i < calendars.length; i++) {
                long t = nextInstant(calendars[i], calendarOffsets[i], after);
                if (t != NONE && t < min) {
                    min = t;
                }
            }
            for (int i = 0; i < intervals.length; i++) {
                // Go's truncating division, as Temporal computes it
                long t = ((after - phases[i]) / intervals[i] + 1) * intervals[i] + phases[i];
                if (t < min) {
                    min = t;
                }
            }
            return min == Long.MAX_VALUE ? NONE : min;
        }

        boolean excluded(long t) {
            if (excludes.length == 0) {
                return false;
            }
            long local = t + excludeOffsets.at(t);
            for (CalendarMatcher ex : excludes) {
                if (ex.matchesLocal(local)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * The first instant after {@code after} whose wall time matches. Walks the stretches of constant
         * offset between transitions: inside one, wall time is instant plus offset, so the first wall-time
         * match inside the stretch's wall-time window is the answer; wall times in a gap fall in no window,
         * wall times repeated by an overlap fall in two.
         */
        private long nextInstant(CalendarMatcher cal, Offsets offsets, long after) {
            long t = after + 1;
            long searchedFrom = Long.MAX_VALUE; // last wall-time search: from where, and its answer
            long found = NONE;
            while (true) {
                int offset = offsets.at(t);
                long stretchEnd = offsets.end;
                long localFrom = t + offset;
                if (!(localFrom >= searchedFrom && (found == NONE || localFrom <= found))) {
                    found = cal.nextLocal(localFrom); // no match in [searchedFrom, found) makes reuse safe
                    searchedFrom = localFrom;
                }
                if (found == NONE) {
                    // a later stretch starts at an earlier wall time only if it begins within 18 hours' offset
                    if (stretchEnd == Long.MAX_VALUE || stretchEnd - MAX_OFFSET > searchedFrom) {
                        return NONE;
                    }
                } else if (stretchEnd == Long.MAX_VALUE || found < stretchEnd + offset) {
                    return found - offset;
                }
                t = stretchEnd;
            }
        }
    }

    /** Offset lookups, remembering the stretch [start, end) of constant offset around the last lookup. */
    private static final class Offsets {
        private final ZoneRules rules;
        private final boolean fixed;
        private long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        private int offset;

        Offsets(ZoneRules rules) {
            this.rules = rules;
            this.fixed = rules.isFixedOffset();
            if (fixed) {
                offset = rules.getOffset(Instant.EPOCH).getTotalSeconds();
                start = Long.MIN_VALUE;
                end = Long.MAX_VALUE;
            }
        }

        int at(long t) {
            if (fixed || (t >= start && t < end)) {
                return offset;
            }
            Instant i = Instant.ofEpochSecond(t);
            offset = rules.getOffset(i).getTotalSeconds();
            ZoneOffsetTransition next = rules.nextTransition(i);
            end = next == null ? Long.MAX_VALUE : next.toEpochSecond();
            ZoneOffsetTransition prev = rules.previousTransition(Instant.ofEpochSecond(t + 1));
            start = prev == null ? Long.MIN_VALUE : prev.toEpochSecond();
            return offset;
        }
    }
}
