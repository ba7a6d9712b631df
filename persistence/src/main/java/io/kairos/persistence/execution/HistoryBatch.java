package io.kairos.persistence.execution;

import io.temporal.api.history.v1.HistoryEvent;

import java.util.List;

/** One history_node row: a batch of consecutive events written together, with its transaction id. */
public record HistoryBatch(long txnId, List<HistoryEvent> events) {
    public HistoryBatch {
        events = List.copyOf(events);
        if (events.isEmpty()) {
            throw new IllegalArgumentException("empty history batch");
        }
    }
}
