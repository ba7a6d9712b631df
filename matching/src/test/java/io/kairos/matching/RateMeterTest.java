package io.kairos.matching;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RateMeterTest {
    @Test
    void ratesOverTheMetersLifeThenOverTheWindow() {
        long t0 = 1_000_000_000L;
        RateMeter m = new RateMeter(t0);
        assertEquals(0.0, m.perSecond(t0));
        for (int i = 0; i < 10; i++) {
            m.mark(t0 + i * 100); // 10 events within the first second
        }
        assertEquals(10.0, m.perSecond(t0 + 999), 1e-9, "a young meter divides by its age, not the window");
        assertEquals(5.0, m.perSecond(t0 + 1_500), 1e-9, "two seconds old");
        long later = t0 + (RateMeter.WINDOW_SECONDS + 5) * 1000L;
        assertEquals(0.0, m.perSecond(later), 1e-9, "events older than the window no longer count");
        for (int i = 0; i < 60; i++) {
            m.mark(later + i * 500); // 2 a second for 30 s
        }
        assertEquals(2.0, m.perSecond(later + 29_999), 0.1);
    }
}
