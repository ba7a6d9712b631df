package io.kairos.worker.schedules.spec;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Reads TZif data (RFC 8536, versions 1 to 3: what a client may send as timezone_data) the way Go's
 * time.LoadLocationFromTZData does, including the POSIX TZ footer that governs times after the last
 * transition, and turns it into java.time ZoneRules. The rules hold explicit transitions from 1900 to
 * the end of 2101, which covers every time a schedule can produce (calendars stop after 2100).
 */
final class Tzif {
    static final String MALFORMED = "malformed time zone information";
    static final long FIRST = -2_208_988_800L; // 1900-01-01T00:00Z
    static final long LAST = PosixTz.yearStart(2102);

    private record Type(int offset, boolean dst) {
    }

    private Tzif() {
    }

    /** @throws SpecError with Go's text when the data is not acceptable TZif */
    static ZoneRules parse(byte[] data) {
        Reader d = new Reader(data);
        if (!"TZif".equals(d.string(4))) {
            throw new SpecError(MALFORMED);
        }
        byte[] header = d.read(16);
        if (header == null) {
            throw new SpecError(MALFORMED);
        }
        int version = switch (header[0]) {
            case 0 -> 1;
            case '2' -> 2;
            case '3' -> 3;
            default -> throw new SpecError(MALFORMED);
        };
        long[] n = d.counts(); // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
        boolean is64 = false;
        if (version > 1) {
            // skip the 32-bit block and the second header, then read the 64-bit block's counts
            long skip = n[3] * 4 + n[3] + n[4] * 6 + n[5] + n[2] * 8 + n[1] + n[0] + 4 + 16;
            d.skip(skip);
            is64 = true;
            n = d.counts();
        }
        int size = is64 ? 8 : 4;
        byte[] times = d.read(n[3] * size);
        byte[] txTypes = d.read(n[3]);
        byte[] typeData = d.read(n[4] * 6);
        byte[] abbrev = d.read(n[5]);
        d.skip(n[2] * (size + 4)); // leap seconds: ignored, as Go does
        d.skip(n[1]); // standard/wall indicators
        d.skip(n[0]); // UT/local indicators
        if (d.error) {
            throw new SpecError(MALFORMED);
        }
        String footer = d.footer();

        int typeCount = typeData.length / 6;
        if (typeCount == 0) {
            throw new SpecError(MALFORMED);
        }
        Type[] types = new Type[typeCount];
        for (int i = 0; i < typeCount; i++) {
            int offset = be32(typeData, i * 6);
            int abbrIndex = typeData[i * 6 + 5] & 0xFF;
            if (abbrIndex >= abbrev.length) {
                throw new SpecError(MALFORMED);
            }
            types[i] = new Type(offset, typeData[i * 6 + 4] != 0);
        }
        int txCount = txTypes.length;
        long[] when = new long[txCount];
        int[] index = new int[txCount];
        for (int i = 0; i < txCount; i++) {
            when[i] = is64 ? be64(times, i * 8) : be32(times, i * 4);
            index[i] = txTypes[i] & 0xFF;
            if (index[i] >= typeCount) {
                throw new SpecError(MALFORMED);
            }
        }
        if (txCount == 0) {
            // like Go: one transition at the beginning of time, to the first type
            when = new long[] {Long.MIN_VALUE};
            index = new int[] {0};
        }
        PosixTz extend = footer == null ? null : PosixTz.parse(footer);
        return build(new Location(types, when, index, firstType(types, index), extend));
    }

    /** Go's offset lookup over the decoded data. */
    private record Location(Type[] types, long[] when, int[] index, int first, PosixTz extend) {
        int offsetAt(long t) {
            if (t < when[0]) {
                return types[first].offset;
            }
            int lo = 0;
            int hi = when.length;
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                if (t < when[mid]) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            if (lo == when.length - 1 && extend != null) {
                return extend.offsetAt(t);
            }
            return types[index[lo]].offset;
        }
    }

    /** The type in effect before the first transition, chosen as Go does. */
    private static int firstType(Type[] types, int[] index) {
        boolean firstUsed = false;
        for (int i : index) {
            firstUsed |= i == 0;
        }
        if (!firstUsed) {
            return 0;
        }
        if (index.length > 0 && types[index[0]].dst) {
            for (int i = index[0] - 1; i >= 0; i--) {
                if (!types[i].dst) {
                    return i;
                }
            }
        }
        for (int i = 0; i < types.length; i++) {
            if (!types[i].dst) {
                return i;
            }
        }
        return 0;
    }

    private static ZoneRules build(Location loc) {
        TreeSet<Long> points = new TreeSet<>();
        for (long w : loc.when) {
            if (w > FIRST && w < LAST) {
                points.add(w);
            }
        }
        long lastTx = loc.when[loc.when.length - 1];
        if (loc.extend != null && lastTx < LAST) {
            int fromYear = LocalDate.ofEpochDay(Math.floorDiv(Math.max(lastTx, FIRST), 86400)).getYear();
            for (int y = fromYear; y <= 2101; y++) {
                for (long p : loc.extend.changePoints(y)) {
                    if (p > Math.max(lastTx, FIRST) && p < LAST) {
                        points.add(p);
                    }
                }
            }
        }
        try {
            ZoneOffset base = ZoneOffset.ofTotalSeconds(loc.offsetAt(FIRST));
            ZoneOffset prev = base;
            List<ZoneOffsetTransition> transitions = new ArrayList<>();
            for (long p : points) {
                ZoneOffset off = ZoneOffset.ofTotalSeconds(loc.offsetAt(p));
                if (!off.equals(prev)) {
                    transitions.add(ZoneOffsetTransition.of(LocalDateTime.ofEpochSecond(p, 0, prev), prev, off));
                    prev = off;
                }
            }
            // the standard-offset history is not needed for scheduling; wall offsets are exact
            return ZoneRules.of(base, base, List.of(), transitions, List.of());
        } catch (DateTimeException e) {
            throw new SpecError(MALFORMED); // an offset java.time cannot represent (beyond +-18h)
        }
    }

    private static int be32(byte[] b, int at) {
        return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }

    private static long be64(byte[] b, int at) {
        return ((long) be32(b, at) << 32) | (be32(b, at + 4) & 0xFFFFFFFFL);
    }

    /** Sequential reads; once a read runs past the end everything after it fails, as in Go's dataIO. */
    private static final class Reader {
        private final byte[] data;
        private int pos;
        boolean error;

        Reader(byte[] data) {
            this.data = data;
        }

        byte[] read(long n) {
            if (error || n < 0 || n > data.length - pos) {
                error = true;
                return null;
            }
            byte[] out = Arrays.copyOfRange(data, pos, pos + (int) n);
            pos += (int) n;
            return out;
        }

        void skip(long n) {
            if (error || n < 0 || n > data.length - pos) {
                error = true;
                return;
            }
            pos += (int) n;
        }

        String string(int n) {
            byte[] b = read(n);
            return b == null ? null : new String(b, StandardCharsets.ISO_8859_1);
        }

        long[] counts() {
            long[] n = new long[6];
            for (int i = 0; i < 6; i++) {
                byte[] b = read(4);
                if (b == null) {
                    throw new SpecError(MALFORMED);
                }
                n[i] = be32(b, 0) & 0xFFFFFFFFL;
            }
            return n;
        }

        /** The footer's TZ string: the rest of the data when it is "\n...\n" with something inside. */
        String footer() {
            int len = data.length - pos;
            if (len > 2 && data[pos] == '\n' && data[data.length - 1] == '\n') {
                return new String(data, pos + 1, len - 2, StandardCharsets.UTF_8);
            }
            return null;
        }
    }
}
