package io.kairos.worker.schedules.spec;

import com.google.protobuf.ByteString;
import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.schedule.v1.ScheduleSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Arrays;
import java.util.List;

import static io.kairos.worker.schedules.spec.CompiledSpecTest.utc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TzifTest {
    private static final long START_2007 = utc(2007, 1, 1, 0, 0, 0).getEpochSecond();
    private static final long END_2100 = utc(2101, 1, 1, 0, 0, 0).getEpochSecond();

    /** One local time type: offset east of UTC, DST flag, index into the abbreviation characters. */
    record Type(int offset, boolean dst, int abbr) {
    }

    /** Writes TZif data; for version 2 and up the 32-bit block holds the same data. */
    static byte[] tzif(char version, long[] times, int[] index, List<Type> types, String abbrevs, String footer) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            block(out, version, times, index, types, abbrevs, false);
            if (version != 0) {
                block(out, version, times, index, types, abbrevs, true);
                out.write(("\n" + footer + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void block(DataOutputStream out, char version, long[] times, int[] index, List<Type> types,
                              String abbrevs, boolean is64) throws IOException {
        out.writeBytes("TZif");
        out.write(version);
        out.write(new byte[15]);
        byte[] chars = abbrevs.getBytes(StandardCharsets.US_ASCII);
        for (int n : new int[] {0, 0, 0, times.length, types.size(), chars.length}) {
            out.writeInt(n);
        }
        for (long t : times) {
            if (is64) {
                out.writeLong(t);
            } else {
                out.writeInt((int) t);
            }
        }
        for (int i : index) {
            out.write(i);
        }
        for (Type t : types) {
            out.writeInt(t.offset);
            out.write(t.dst ? 1 : 0);
            out.write(t.abbr);
        }
        out.write(chars);
    }

    private static int offset(ZoneRules rules, long epochSecond) {
        return rules.getOffset(Instant.ofEpochSecond(epochSecond)).getTotalSeconds();
    }

    /** Offsets agree at each transition of either rule set (and a second before it) in [from, to). */
    private static void assertSameOffsets(ZoneRules expected, ZoneRules actual, long from, long to, String what) {
        for (ZoneRules side : List.of(expected, actual)) {
            Instant t = Instant.ofEpochSecond(from);
            while (true) {
                ZoneOffsetTransition tr = side.nextTransition(t);
                if (tr == null || tr.toEpochSecond() >= to) {
                    break;
                }
                long s = tr.toEpochSecond();
                for (long probe : new long[] {s - 1, s, s + 86400 * 20}) {
                    assertEquals(offset(expected, probe), offset(actual, probe),
                            what + " at " + Instant.ofEpochSecond(probe));
                }
                t = tr.getInstant();
            }
        }
        for (long probe = from; probe < to; probe += 86400 * 13 + 3607) {
            assertEquals(offset(expected, probe), offset(actual, probe), what + " at " + Instant.ofEpochSecond(probe));
        }
    }

    @Test
    void version1Transitions() {
        List<Type> types = List.of(new Type(-18000, false, 0), new Type(-14400, true, 4));
        long spring = utc(2025, 3, 9, 7, 0, 0).getEpochSecond();
        long fall = utc(2025, 11, 2, 6, 0, 0).getEpochSecond();
        ZoneRules rules = Tzif.parse(tzif((char) 0, new long[] {spring, fall}, new int[] {1, 0}, types,
                "EST\0EDT\0", ""));
        assertEquals(-18000, offset(rules, spring - 1));
        assertEquals(-14400, offset(rules, spring));
        assertEquals(-14400, offset(rules, fall - 1));
        assertEquals(-18000, offset(rules, fall));
        assertEquals(-18000, offset(rules, fall + 86400 * 365L), "no footer: the last type stays");
        assertEquals(-18000, offset(rules, 0), "before the first transition: the first standard type");
    }

    @Test
    void firstTypeBeforeTransitionsIsChosenAsGoDoes() {
        // the first type is used by a transition and the first transition goes to DST:
        // the nearest earlier standard type applies before it
        List<Type> types = List.of(new Type(3600, false, 0), new Type(7200, false, 0), new Type(10800, true, 0));
        long t = utc(2020, 1, 1, 0, 0, 0).getEpochSecond();
        ZoneRules rules = Tzif.parse(tzif('2', new long[] {t, t + 1000}, new int[] {2, 0}, types, "X\0", ""));
        assertEquals(7200, offset(rules, t - 1));
        assertEquals(10800, offset(rules, t));
        assertEquals(3600, offset(rules, t + 1000));
        // the first type is unused by transitions: it applies before them
        ZoneRules unused = Tzif.parse(tzif('2', new long[] {t}, new int[] {1}, types, "X\0", ""));
        assertEquals(3600, offset(unused, t - 1));
    }

    @Test
    void footerOnlyFollowsUsRules() {
        ZoneRules rules = Tzif.parse(tzif('2', new long[0], new int[0], List.of(new Type(-18000, false, 0)),
                "EST\0", "EST5EDT,M3.2.0,M11.1.0"));
        assertSameOffsets(ZoneId.of("America/New_York").getRules(), rules, START_2007, END_2100, "EST5EDT");
        assertEquals(-14400, offset(rules, utc(2025, 3, 9, 7, 0, 0).getEpochSecond()));
        assertEquals(-18000, offset(rules, utc(2025, 3, 9, 7, 0, 0).getEpochSecond() - 1));
    }

    @Test
    void footerWithoutRulesMeansUsRules() {
        ZoneRules rules = Tzif.parse(tzif('3', new long[0], new int[0], List.of(new Type(-18000, false, 0)),
                "EST\0", "EST5EDT"));
        assertSameOffsets(ZoneId.of("America/New_York").getRules(), rules, START_2007, END_2100, "EST5EDT default");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Australia/Lord_Howe|<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
            "Europe/Berlin|CET-1CEST,M3.5.0,M10.5.0/3",
            "America/Nuuk|<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
            "America/Santiago|<-04>4<-03>,M9.1.6/24,M4.1.6/24",
            "Asia/Jerusalem|IST-2IDT,M3.4.4/26,M10.5.0",
            "Asia/Tokyo|JST-9",
    })
    void footersMatchJavaRules(String zoneAndRule) {
        String[] parts = zoneAndRule.split("\\|");
        ZoneRules expected = ZoneId.of(parts[0]).getRules();
        int base = offset(expected, utc(2026, 1, 15, 0, 0, 0).getEpochSecond());
        ZoneRules rules = Tzif.parse(tzif('2', new long[0], new int[0], List.of(new Type(base, false, 0)),
                "XXX\0", parts[1]));
        assertSameOffsets(expected, rules, utc(2026, 1, 1, 0, 0, 0).getEpochSecond(), END_2100, parts[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata",
            "America/Sao_Paulo", "Pacific/Auckland", "Asia/Tokyo", "Africa/Johannesburg"})
    void systemZoneinfoFilesMatchJavaRules(String zone) throws IOException {
        Path file = Path.of("/usr/share/zoneinfo", zone);
        assumeTrue(Files.isRegularFile(file), "no system zoneinfo");
        ZoneRules rules = Tzif.parse(Files.readAllBytes(file));
        assertSameOffsets(ZoneId.of(zone).getRules(), rules, 0, END_2100, zone);
    }

    @Test
    void unparseableFooterIsIgnored() {
        long t = utc(2020, 6, 1, 0, 0, 0).getEpochSecond();
        List<Type> types = List.of(new Type(3600, false, 0), new Type(7200, true, 0));
        for (String footer : List.of("X1", "EST5EDT,M3.2.0", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.2.0,M11.1.0/x")) {
            ZoneRules rules = Tzif.parse(tzif('2', new long[] {t}, new int[] {1}, types, "ABC\0", footer));
            assertEquals(7200, offset(rules, t + 86400L * 3650), footer);
        }
    }

    @Test
    void malformedData() {
        List<Type> one = List.of(new Type(0, false, 0));
        byte[] good = tzif('2', new long[] {0}, new int[] {0}, one, "UTC\0", "UTC0");
        Tzif.parse(good);
        byte[] badMagic = good.clone();
        badMagic[0] = 'X';
        byte[] badVersion = good.clone();
        badVersion[4] = '5';
        for (byte[] bad : List.of(badMagic, badVersion, Arrays.copyOf(good, 30), Arrays.copyOf(good, 60), new byte[0],
                tzif('2', new long[0], new int[0], List.of(), "", ""),
                tzif('2', new long[] {0}, new int[] {1}, one, "UTC\0", ""),
                tzif('2', new long[] {0}, new int[] {0}, List.of(new Type(0, false, 4)), "UTC\0", ""),
                tzif('2', new long[0], new int[0], List.of(new Type(20 * 3600, false, 0)), "X\0", ""))) {
            assertEquals(Tzif.MALFORMED, assertThrows(SpecError.class, () -> Tzif.parse(bad)).getMessage());
        }
    }

    @Test
    void timezoneDataDrivesSchedules() throws IOException {
        byte[] data = tzif('2', new long[0], new int[0], List.of(new Type(-18000, false, 0)), "EST\0",
                "EST5EDT,M3.2.0,M11.1.0");
        ScheduleSpec spec = ScheduleSpecs.canonicalize(ScheduleSpec.newBuilder()
                .setTimezoneName("My/Label").setTimezoneData(ByteString.copyFrom(data))
                .addCronString("30 1 * * *").build());
        assertEquals("My/Label", spec.getTimezoneName());
        CompiledSpec cs = CompiledSpec.compile(spec);
        assertEquals(List.of(utc(2025, 11, 1, 5, 30, 0), utc(2025, 11, 2, 5, 30, 0), utc(2025, 11, 2, 6, 30, 0),
                utc(2025, 11, 3, 6, 30, 0)), CompiledSpecTest.nominals(cs, utc(2025, 11, 1, 0, 0, 0), 4));
        ZoneId zone = cs.zone();
        assertEquals(zone, CompiledSpec.compile(spec).zone(), "the same data names the same zone");
        assertEquals(zone, ZoneId.of(zone.getId()), "the zone id resolves");
        assertSameOffsets(ZoneId.of("America/New_York").getRules(), zone.getRules(), START_2007, END_2100, "zone()");
        ZoneId other = CompiledSpec.compile(spec.toBuilder().setTimezoneData(ByteString.copyFrom(
                tzif('2', new long[0], new int[0], List.of(new Type(3600, false, 0)), "CET\0",
                        "CET-1CEST,M3.5.0,M10.5.0/3"))).build()).zone();
        assertNotEquals(zone, other);

        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> ScheduleSpecs.canonicalize(
                ScheduleSpec.newBuilder().setTimezoneData(ByteString.copyFrom(Arrays.copyOf(data, 50))).build()));
        assertEquals("Invalid schedule spec: malformed time zone information", e.getMessage());

        Path file = Path.of("/usr/share/zoneinfo/America/New_York");
        if (Files.isRegularFile(file)) {
            CompiledSpec fromFile = CompiledSpec.compile(ScheduleSpec.newBuilder()
                    .setTimezoneData(ByteString.copyFrom(Files.readAllBytes(file))).addCronString("30 2 * * *").build());
            assertEquals(List.of(utc(2025, 3, 8, 7, 30, 0), utc(2025, 3, 10, 6, 30, 0)),
                    CompiledSpecTest.nominals(fromFile, utc(2025, 3, 8, 0, 0, 0), 2));
        }
    }
}
