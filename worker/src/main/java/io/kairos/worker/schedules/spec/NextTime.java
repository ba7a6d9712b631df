package io.kairos.worker.schedules.spec;

import java.time.Instant;

/**
 * One scheduled time: {@code nominal} is the time the spec matched, {@code actual} is it plus jitter
 * (never earlier than nominal, and before the following nominal time).
 */
public record NextTime(Instant nominal, Instant actual) {
}
