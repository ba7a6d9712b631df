package io.kairos.common.cron;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CronScheduleTest {
    private static final Instant T = Instant.parse("2026-11-27T08:45:30Z"); // a Friday

    private static Instant next(String expr) {
        return CronSchedule.parse(expr).next(T);
    }

    @Test
    void fieldsListsRangesAndSteps() {
        assertEquals(Instant.parse("2026-11-27T08:46:00Z"), next("* * * * *"));
        assertEquals(Instant.parse("2026-11-27T09:00:00Z"), next("0 * * * *"));
        assertEquals(Instant.parse("2026-11-27T08:50:00Z"), next("*/10 * * * *"));
        assertEquals(Instant.parse("2026-11-27T09:15:00Z"), next("15 9-17/3 * * *"));
        assertEquals(Instant.parse("2026-11-27T10:15:00Z"), next("15 10-17/2 * * *"));
        assertEquals(Instant.parse("2026-12-01T00:00:00Z"), next("0 0 1 * *"));
        assertEquals(Instant.parse("2027-01-01T00:00:00Z"), next("@yearly"));
        assertEquals(Instant.parse("2026-11-30T09:00:00Z"), next("0 9 * * MON"));
        assertEquals(Instant.parse("2026-11-29T00:00:00Z"), next("0 0 * * 7"), "7 is Sunday");
        assertEquals(Instant.parse("2026-11-28T00:00:00Z"), next("0 0 28 * MON"), "either restricted day field may match");
        assertEquals(Instant.parse("2027-02-01T00:00:00Z"), next("0 0 1 FEB *"));
    }

    @Test
    void everyDescriptor() {
        assertEquals(T.plusSeconds(90), next("@every 1m30s"));
        assertEquals(T.plusMillis(500), next("@every 500ms"));
    }

    @Test
    void invalidExpressionsAreRejected() {
        for (String bad : new String[] {"* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "x * * * *",
                "5-1 * * * *", "@every", "@every 0s", "@every 5x", "0 0 30 2 *"}) {
            assertThrows(IllegalArgumentException.class, () -> next(bad), bad);
        }
    }
}
