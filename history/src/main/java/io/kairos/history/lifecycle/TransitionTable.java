package io.kairos.history.lifecycle;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** An explicit state machine: the only moves allowed are the ones listed. */
public final class TransitionTable<S extends Enum<S>> {
    private final String entity;
    private final Map<S, Set<S>> allowed;

    private TransitionTable(String entity, Map<S, Set<S>> allowed) {
        this.entity = entity;
        this.allowed = allowed;
    }

    public static <S extends Enum<S>> Builder<S> of(String entity, Class<S> type) {
        return new Builder<>(entity, type);
    }

    public boolean allows(S from, S to) {
        return allowed.getOrDefault(from, Set.of()).contains(to);
    }

    /** @throws IllegalStateException for a move the table does not list: a bug in the engine, never user input */
    public S move(S from, S to) {
        if (!allows(from, to)) {
            throw new IllegalStateException(entity + ": forbidden transition " + from + " -> " + to);
        }
        return to;
    }

    public static final class Builder<S extends Enum<S>> {
        private final String entity;
        private final Class<S> type;
        private final Map<S, Set<S>> map;

        private Builder(String entity, Class<S> type) {
            this.entity = entity;
            this.type = type;
            this.map = new EnumMap<>(type);
        }

        @SafeVarargs
        public final Builder<S> allow(S from, S... to) {
            map.computeIfAbsent(from, k -> EnumSet.noneOf(type)).addAll(Set.of(to));
            return this;
        }

        public TransitionTable<S> build() {
            Map<S, Set<S>> copy = new EnumMap<>(type);
            map.forEach((k, v) -> copy.put(k, Collections.unmodifiableSet(EnumSet.copyOf(v))));
            return new TransitionTable<>(entity, Collections.unmodifiableMap(copy));
        }
    }
}
