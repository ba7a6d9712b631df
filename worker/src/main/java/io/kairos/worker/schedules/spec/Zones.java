package io.kairos.worker.schedules.spec;

import com.google.protobuf.ByteString;
import io.temporal.api.schedule.v1.ScheduleSpec;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneRules;
import java.time.zone.ZoneRulesProvider;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** Loads a spec's time zone like Go's time.LoadLocation / LoadLocationFromTZData, with small caches. */
final class Zones {
    /** A loaded zone: the rules used for all computations, and a ZoneId naming them. */
    record Zone(ZoneId id, ZoneRules rules) {
    }

    private static final Zone UTC = new Zone(ZoneOffset.UTC, ZoneOffset.UTC.getRules());
    private static final int CACHE_SIZE = 1000;
    private static final int MAX_REGISTERED = 1000;

    // IANA names in Go's tzdata that java.time's tzdb lacks, mapped to zones equal to them since 1970
    private static final Map<String, String> ALIASES = Map.of(
            "EST", "America/Panama", "MST", "America/Phoenix", "HST", "Pacific/Honolulu",
            "ROC", "Asia/Taipei", "GMT+0", "Etc/GMT", "GMT-0", "Etc/GMT", "Factory", "Etc/UTC");

    private static final Map<String, Object> NAMED = lru(); // name -> Zone or error text
    private static final Map<ByteString, Object> TZIF = lru(); // data -> Zone or error text
    private static final Map<String, ZoneId> REGISTERED = new ConcurrentHashMap<>();

    private Zones() {
    }

    /** The spec's zone: timezone_data when present (the name is then only a label), else timezone_name. */
    static Zone load(ScheduleSpec spec) {
        return spec.getTimezoneData().isEmpty() ? named(spec.getTimezoneName()) : tzif(spec.getTimezoneData());
    }

    static ZoneRules rules(ScheduleSpec spec) {
        return load(spec).rules();
    }

    static Zone named(String name) {
        if (name.isEmpty() || name.equals("UTC")) {
            return UTC;
        }
        Object cached;
        synchronized (NAMED) {
            cached = NAMED.get(name);
        }
        if (cached == null) {
            cached = loadNamed(name);
            synchronized (NAMED) {
                NAMED.put(name, cached);
            }
        }
        if (cached instanceof String error) {
            throw new SpecError(error);
        }
        return (Zone) cached;
    }

    private static Object loadNamed(String name) {
        if (name.equals("Local")) {
            ZoneId local = ZoneId.systemDefault(); // Go's time.Local: the server's own zone
            return new Zone(local, local.getRules());
        }
        if (name.contains("..") || name.charAt(0) == '/' || name.charAt(0) == '\\') {
            return "time: invalid location name";
        }
        String id = ALIASES.getOrDefault(name, name);
        // java.time still ships the SystemV zones that the IANA data (and so Go) dropped
        if (!id.startsWith("SystemV/") && ZoneRulesProvider.getAvailableZoneIds().contains(id)) {
            ZoneId zone = ZoneId.of(id);
            return new Zone(zone, zone.getRules());
        }
        return "unknown time zone " + name;
    }

    private static Zone tzif(ByteString data) {
        Object cached;
        synchronized (TZIF) {
            cached = TZIF.get(data);
        }
        if (cached == null) {
            byte[] bytes = data.toByteArray();
            try {
                ZoneRules rules = Tzif.parse(bytes);
                cached = new Zone(register(bytes, rules), rules);
            } catch (SpecError e) {
                cached = e.getMessage();
            }
            synchronized (TZIF) {
                TZIF.put(data, cached);
            }
        }
        if (cached instanceof String error) {
            throw new SpecError(error);
        }
        return (Zone) cached;
    }

    /**
     * A ZoneId for rules from TZif data. java.time only names rules through a registered provider, and
     * registrations are permanent, so distinct data is registered under a content hash up to a bound;
     * past it the id is a fixed offset (computations never use the id, only the rules).
     */
    private static ZoneId register(byte[] data, ZoneRules rules) {
        String id = "Kairos/TZif-" + HexFormat.of().formatHex(sha256(data), 0, 12);
        ZoneId known = REGISTERED.get(id);
        if (known != null) {
            return known;
        }
        if (REGISTERED.size() >= MAX_REGISTERED) {
            return rules.getOffset(Instant.now());
        }
        return REGISTERED.computeIfAbsent(id, key -> {
            ZoneRulesProvider.registerProvider(new SingleZoneProvider(key, rules));
            return ZoneId.of(key);
        });
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <K> Map<K, Object> lru() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Object> eldest) {
                return size() > CACHE_SIZE;
            }
        };
    }

    private static final class SingleZoneProvider extends ZoneRulesProvider {
        private final String id;
        private final ZoneRules rules;

        SingleZoneProvider(String id, ZoneRules rules) {
            this.id = id;
            this.rules = rules;
        }

        @Override
        protected Set<String> provideZoneIds() {
            return Set.of(id);
        }

        @Override
        protected ZoneRules provideRules(String zoneId, boolean forCaching) {
            return rules;
        }

        @Override
        protected NavigableMap<String, ZoneRules> provideVersions(String zoneId) {
            return new TreeMap<>(Map.of("tzif", rules));
        }
    }
}
