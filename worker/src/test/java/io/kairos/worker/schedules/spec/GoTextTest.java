package io.kairos.worker.schedules.spec;

import io.kairos.worker.schedules.spec.GoText.GoError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GoTextTest {
    private static final long S = 1_000_000_000L;
    private static final long M = 60 * S;
    private static final long H = 60 * M;
    private static final long D = 24 * H;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "1h|3600000000000",
            "3m30s|210000000000",
            "90s|90000000000",
            "500ms|500000000",
            "1h30m|5400000000000",
            "1.5h|5400000000000",
            "0|0",
            "+5s|5000000000",
            "-5s|-5000000000",
            "1us|1000",
            "1µs|1000",
            "1μs|1000",
            "7ns|7",
            ".5s|500000000",
            "5.s|5000000000",
            "2562047h47m16.854775807s|9223372036854775807",
    })
    void parsesGoDurations(String text, long nanos) throws GoError {
        assertEquals(nanos, GoText.parseDuration(text));
    }

    @Test
    void parsesTemporalDays() throws GoError {
        // the cases of Temporal's own ParseDuration test
        assertEquals(H, GoText.parseTemporalDuration("1h"));
        assertEquals(3 * M + 30 * S, GoText.parseTemporalDuration("3m30s"));
        assertEquals(D, GoText.parseTemporalDuration("1d"));
        assertEquals(3 * D, GoText.parseTemporalDuration("3d"));
        assertEquals(5 * D + 6 * H + 15 * M, GoText.parseTemporalDuration("5d6h15m"));
        assertEquals(5 * D + 6 * H + 15 * M, GoText.parseTemporalDuration("5.25d15m"));
        assertEquals(12 * H, GoText.parseTemporalDuration(".5d"));
        assertEquals(-(10 * D + 12 * H + 15 * M), GoText.parseTemporalDuration("-10d12.25h"));
        assertEquals(3 * M + 2 * H + D, GoText.parseTemporalDuration("3m2h1d"));
        assertEquals(8 * M + 7 * H + 6 * D + 5 * D + 4 * H + 3 * M, GoText.parseTemporalDuration("8m7h6d5d4h3m"));
        assertThrows(GoError.class, () -> GoText.parseTemporalDuration("7"));
        assertThrows(GoError.class, () -> GoText.parseTemporalDuration(""));
        assertThrows(GoError.class, () -> GoText.parseTemporalDuration("10000000h"));
    }

    @Test
    void durationErrorsUseGoText() {
        assertEquals("time: invalid duration \"\"", message(""));
        assertEquals("time: invalid duration \"x\"", message("x"));
        assertEquals("time: missing unit in duration \"7\"", message("7"));
        assertEquals("time: unknown unit \"y\" in duration \"5y\"", message("5y"));
        assertEquals("time: invalid duration \"10000000h\"", message("10000000h"));
        assertEquals("time: invalid duration \".s\"", message(".s"));
        assertEquals("time: invalid duration \" 5m\"", message(" 5m"));
        assertEquals("time: unknown unit \"m \" in duration \"5m 3s\"", message("5m 3s"));
    }

    private static String message(String text) {
        return assertThrows(GoError.class, () -> GoText.parseDuration(text)).getMessage();
    }

    @Test
    void atoiMatchesGo() throws GoError {
        assertEquals(42, GoText.atoi("42"));
        assertEquals(42, GoText.atoi("+42"));
        assertEquals(-7, GoText.atoi("-7"));
        assertEquals(Long.MIN_VALUE, GoText.atoi("-9223372036854775808"));
        assertEquals(Long.MAX_VALUE, GoText.atoi("9223372036854775807"));
        assertEquals("strconv.Atoi: parsing \"x\": invalid syntax",
                assertThrows(GoError.class, () -> GoText.atoi("x")).getMessage());
        assertEquals("strconv.Atoi: parsing \"\": invalid syntax",
                assertThrows(GoError.class, () -> GoText.atoi("")).getMessage());
        assertEquals("strconv.Atoi: parsing \"-\": invalid syntax",
                assertThrows(GoError.class, () -> GoText.atoi("-")).getMessage());
        assertEquals("strconv.Atoi: parsing \"9223372036854775808\": value out of range",
                assertThrows(GoError.class, () -> GoText.atoi("9223372036854775808")).getMessage());
        assertEquals("strconv.Atoi: parsing \" 1\": invalid syntax",
                assertThrows(GoError.class, () -> GoText.atoi(" 1")).getMessage());
    }

    @Test
    void whiteSpaceIsUnicodeAware() {
        assertEquals("a b", GoText.trimSpace("\u00a0\t a b\n\u2003"));
        assertTrue(GoText.isSpace(0x85));
        assertFalse(GoText.isSpace('x'));
        assertEquals("\"a\\\"b\\n\"", GoText.quote("a\"b\n"));
    }
}
