package io.kairos.common.metrics;

import io.temporal.api.enums.v1.CommandType;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** How Temporal's Go server spells enum values in tag values: UPPER_SNAKE words in camel case. */
public final class MetricNames {
    private static final String COMMAND_PREFIX = "COMMAND_TYPE_";

    private MetricNames() {
    }

    /** NOT_FOUND -> NotFound, SCHEDULE_ACTIVITY_TASK -> ScheduleActivityTask. */
    public static String camel(String upperSnake) {
        StringBuilder out = new StringBuilder(upperSnake.length());
        for (String word : upperSnake.split("_")) {
            if (!word.isEmpty()) {
                out.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
            }
        }
        return out.toString();
    }

    /** Temporal's commandType tag value and action suffix: COMMAND_TYPE_START_TIMER -> StartTimer. */
    public static String commandType(CommandType type) {
        return COMMAND_TYPES.computeIfAbsent(type, t -> t == CommandType.UNRECOGNIZED ? "Unspecified"
                : camel(t.name().substring(COMMAND_PREFIX.length())));
    }

    /** Every completed workflow task asks for its commands' names: spelled once per type. */
    private static final Map<CommandType, String> COMMAND_TYPES = new ConcurrentHashMap<>();
}
