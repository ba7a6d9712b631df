package io.kairos.matching;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Go's time.Duration.String(), as Temporal writes a Nexus request's request-timeout header. */
class GoDurationTest {
    @Test
    void formatsAsGoDoes() {
        assertEquals("0s", GoDuration.format(Duration.ZERO));
        assertEquals("1ns", GoDuration.format(Duration.ofNanos(1)));
        assertEquals("1.1µs", GoDuration.format(Duration.ofNanos(1100)));
        assertEquals("2.2ms", GoDuration.format(Duration.ofNanos(2_200_000)));
        assertEquals("250ms", GoDuration.format(Duration.ofMillis(250)));
        assertEquals("3.3s", GoDuration.format(Duration.ofMillis(3300)));
        assertEquals("9.999123456s", GoDuration.format(Duration.ofNanos(9_999_123_456L)));
        assertEquals("10s", GoDuration.format(Duration.ofSeconds(10)));
        assertEquals("1m0.5s", GoDuration.format(Duration.ofMillis(60_500)));
        assertEquals("4m5s", GoDuration.format(Duration.ofSeconds(245)));
        assertEquals("5h6m7.001s", GoDuration.format(Duration.ofMillis(5 * 3_600_000L + 6 * 60_000 + 7_001)));
        assertEquals("-1.5s", GoDuration.format(Duration.ofMillis(-1500)));
        assertEquals("2562047h47m16.854775807s", GoDuration.format(Duration.ofNanos(Long.MAX_VALUE)));
    }
}
