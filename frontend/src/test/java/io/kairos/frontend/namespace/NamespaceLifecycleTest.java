package io.kairos.frontend.namespace;

import io.temporal.api.enums.v1.NamespaceState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static io.temporal.api.enums.v1.NamespaceState.NAMESPACE_STATE_DELETED;
import static io.temporal.api.enums.v1.NamespaceState.NAMESPACE_STATE_DEPRECATED;
import static io.temporal.api.enums.v1.NamespaceState.NAMESPACE_STATE_REGISTERED;
import static io.temporal.api.enums.v1.NamespaceState.NAMESPACE_STATE_UNSPECIFIED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class NamespaceLifecycleTest {
    private static final List<NamespaceState> STATES =
            List.of(NAMESPACE_STATE_REGISTERED, NAMESPACE_STATE_DEPRECATED, NAMESPACE_STATE_DELETED);

    private record Move(NamespaceState from, NamespaceState to) {
    }

    private static final Set<Move> ALLOWED = Set.of(
            new Move(NAMESPACE_STATE_REGISTERED, NAMESPACE_STATE_DEPRECATED),
            new Move(NAMESPACE_STATE_REGISTERED, NAMESPACE_STATE_DELETED),
            new Move(NAMESPACE_STATE_DEPRECATED, NAMESPACE_STATE_DELETED));

    static Stream<Arguments> everyPair() {
        List<Arguments> out = new ArrayList<>();
        for (NamespaceState from : STATES) {
            for (NamespaceState to : STATES) {
                out.add(Arguments.of(from, to, ALLOWED.contains(new Move(from, to))));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @MethodSource("everyPair")
    void transitionTable(NamespaceState from, NamespaceState to, boolean allowed) {
        assertEquals(allowed, NamespaceLifecycle.canMove(from, to), from + " -> " + to);
    }

    @Test
    void tableCoversNinePairsWithThreeAllowed() {
        assertEquals(9, everyPair().count());
        assertEquals(3, everyPair().filter(a -> (boolean) a.get()[2]).count());
    }

    @Test
    void nothingGoesBackOrStays() {
        for (NamespaceState s : STATES) {
            assertFalse(NamespaceLifecycle.canMove(s, s), "same-state move " + s);
        }
        assertFalse(NamespaceLifecycle.canMove(NAMESPACE_STATE_DEPRECATED, NAMESPACE_STATE_REGISTERED));
        assertFalse(NamespaceLifecycle.canMove(NAMESPACE_STATE_DELETED, NAMESPACE_STATE_REGISTERED));
        assertFalse(NamespaceLifecycle.canMove(NAMESPACE_STATE_DELETED, NAMESPACE_STATE_DEPRECATED));
    }

    @Test
    void unspecifiedAndUnrecognizedNeverMove() {
        for (NamespaceState s : STATES) {
            assertFalse(NamespaceLifecycle.canMove(NAMESPACE_STATE_UNSPECIFIED, s));
            assertFalse(NamespaceLifecycle.canMove(s, NAMESPACE_STATE_UNSPECIFIED));
            assertFalse(NamespaceLifecycle.canMove(NamespaceState.UNRECOGNIZED, s));
            assertFalse(NamespaceLifecycle.canMove(s, NamespaceState.UNRECOGNIZED));
        }
    }
}
