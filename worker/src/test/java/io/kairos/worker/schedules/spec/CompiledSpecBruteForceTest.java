package io.kairos.worker.schedules.spec;

import io.temporal.api.schedule.v1.CalendarSpec;
import io.temporal.api.schedule.v1.Range;
import io.temporal.api.schedule.v1.ScheduleSpec;
import io.temporal.api.schedule.v1.StructuredCalendarSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.ZoneId;
import java.time.LocalDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compares next() with a second-by-second scan around real offset transitions, in zones with unusual
 * ones: half-hour shifts, midnight shifts, a skipped day, southern-hemisphere DST.
 */
class CompiledSpecBruteForceTest {
    private static final int WINDOW = 2 * 86400;

    @ParameterizedTest
    @ValueSource(strings = {"America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Havana",
            "Pacific/Apia", "America/Santiago", "Pacific/Chatham", "Asia/Tehran", "Africa/Casablanca", "UTC"})
    void agreesWithScanningAroundTransitions(String zoneName) {
        ZoneRules rules = ZoneId.of(zoneName).getRules();
        List<Long> transitions = new ArrayList<>();
        Instant t = Instant.parse("2009-01-01T00:00:00Z");
        while (transitions.size() < 40) {
            ZoneOffsetTransition tr = rules.nextTransition(t);
            if (tr == null) {
                break;
            }
            transitions.add(tr.toEpochSecond());
            t = tr.getInstant();
        }
        if (transitions.isEmpty()) {
            transitions.add(Instant.parse("2025-06-01T00:00:00Z").getEpochSecond());
        }
        Random random = new Random(zoneName.hashCode());
        for (int i = 0; i < 12; i++) {
            ScheduleSpec spec = randomSpec(random, zoneName);
            CompiledSpec cs = CompiledSpec.compile(spec);
            long after = transitions.get(random.nextInt(transitions.size())) - random.nextInt(6 * 3600);
            List<Matcher> calendars = spec.getStructuredCalendarList().stream().map(Matcher::new).toList();
            List<Matcher> excludes = spec.getExcludeStructuredCalendarList().stream().map(Matcher::new).toList();
            for (int step = 0; step < 6; step++) {
                long expected = scan(rules, calendars, excludes, after);
                Optional<NextTime> actual = cs.next(Instant.ofEpochSecond(after), "");
                if (expected < 0) {
                    long found = actual.map(n -> n.nominal().getEpochSecond()).orElse(Long.MAX_VALUE);
                    assertTrue(found > after + WINDOW, spec + " after " + Instant.ofEpochSecond(after));
                    break;
                }
                assertEquals(Instant.ofEpochSecond(expected), actual.orElseThrow().nominal(),
                        spec + " after " + Instant.ofEpochSecond(after));
                after = expected;
            }
        }
    }

    private static ScheduleSpec randomSpec(Random random, String zone) {
        ScheduleSpec.Builder b = ScheduleSpec.newBuilder().setTimezoneName(zone);
        int calendars = 1 + random.nextInt(2);
        for (int i = 0; i < calendars; i++) {
            // second minute hour day-of-month month day-of-week year
            b.addCronString(pick(random, "0", "30", "0,15", "*/20", "5-10") + " "
                    + pick(random, "0,30", "*/7", "0,15,45") + " "
                    + pick(random, "*", "0-3", "1,2", "23,0", "*/5") + " * * "
                    + pick(random, "*", "*", "1-5", "sun,sat") + " *");
        }
        if (random.nextInt(3) == 0) {
            b.addExcludeCalendar(CalendarSpec.newBuilder()
                    .setHour(pick(random, "1", "2", "0", "3")).setMinute("*").setSecond("*"));
        }
        return ScheduleSpecs.canonicalize(b.build());
    }

    private static String pick(Random random, String... options) {
        return options[random.nextInt(options.length)];
    }

    private static long scan(ZoneRules rules, List<Matcher> calendars, List<Matcher> excludes, long after) {
        for (long t = after + 1; t <= after + WINDOW; t++) {
            if (matchesAny(calendars, rules, t) && !matchesAny(excludes, rules, t)) {
                return t;
            }
        }
        return -1;
    }

    private static boolean matchesAny(List<Matcher> matchers, ZoneRules rules, long t) {
        if (matchers.isEmpty()) {
            return false;
        }
        LocalDateTime local = LocalDateTime.ofEpochSecond(t, 0,
                rules.getOffset(Instant.ofEpochSecond(t)));
        for (Matcher m : matchers) {
            if (m.matches(local)) {
                return true;
            }
        }
        return false;
    }

    /** A deliberately naive matcher: value sets expanded from the ranges. */
    private static final class Matcher {
        final boolean[][] sets = new boolean[7][];
        final boolean anyYear;

        Matcher(StructuredCalendarSpec cal) {
            sets[0] = expand(cal.getSecondList(), 60);
            sets[1] = expand(cal.getMinuteList(), 60);
            sets[2] = expand(cal.getHourList(), 24);
            sets[3] = expand(cal.getDayOfMonthList(), 32);
            sets[4] = expand(cal.getMonthList(), 13);
            sets[5] = expand(cal.getDayOfWeekList(), 7);
            sets[6] = expand(cal.getYearList(), 2101);
            anyYear = cal.getYearCount() == 0;
        }

        static boolean[] expand(List<Range> ranges, int size) {
            boolean[] out = new boolean[size];
            for (Range r : ranges) {
                int end = Math.max(r.getEnd(), r.getStart());
                int step = r.getStep() == 0 ? 1 : r.getStep();
                for (int v = r.getStart(); v <= end && v < size; v += step) {
                    out[v] = true;
                }
            }
            return out;
        }

        boolean matches(LocalDateTime t) {
            return sets[0][t.getSecond()] && sets[1][t.getMinute()] && sets[2][t.getHour()]
                    && sets[3][t.getDayOfMonth()] && sets[4][t.getMonthValue()]
                    && sets[5][t.getDayOfWeek().getValue() % 7] && (anyYear || sets[6][t.getYear()]);
        }
    }
}
