package io.kairos.matching;

/**
 * Events per second over the last {@value #WINDOW_SECONDS} seconds, in one-second buckets: the add and dispatch rates
 * DescribeTaskQueue reports ({@code tasks_add_rate}, {@code tasks_dispatch_rate}).
 */
final class RateMeter {
    static final int WINDOW_SECONDS = 30;

    private final long[] counts = new long[WINDOW_SECONDS];
    private final long[] seconds = new long[WINDOW_SECONDS];
    private final long createdSecond;

    RateMeter(long nowMillis) {
        this.createdSecond = nowMillis / 1000;
    }

    synchronized void mark(long nowMillis) {
        long s = nowMillis / 1000;
        int i = (int) (s % WINDOW_SECONDS);
        if (seconds[i] != s) {
            seconds[i] = s;
            counts[i] = 0;
        }
        counts[i]++;
    }

    /** The rate over the window, or over the meter's life when it is younger than the window. */
    synchronized double perSecond(long nowMillis) {
        long s = nowMillis / 1000;
        long sum = 0;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            if (s - seconds[i] < WINDOW_SECONDS && seconds[i] <= s) {
                sum += counts[i];
            }
        }
        long span = Math.max(1, Math.min(WINDOW_SECONDS, s - createdSecond + 1));
        return (double) sum / span;
    }
}
