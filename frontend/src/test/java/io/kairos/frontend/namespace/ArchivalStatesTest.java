package io.kairos.frontend.namespace;

import io.kairos.common.config.ArchivalConfig;
import io.kairos.common.errors.InvalidArgumentException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.temporal.api.enums.v1.ArchivalState.ARCHIVAL_STATE_DISABLED;
import static io.temporal.api.enums.v1.ArchivalState.ARCHIVAL_STATE_ENABLED;
import static io.temporal.api.enums.v1.ArchivalState.ARCHIVAL_STATE_UNSPECIFIED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Temporal's archival config state machine, as RegisterNamespace and UpdateNamespace apply it. */
class ArchivalStatesTest {
    private static final String DEFAULT = "file:///default";
    private static final ArchivalConfig.Kind CLUSTER = new ArchivalConfig.Kind(true, true,
            Optional.of(ArchivalConfig.Filestore.DEFAULTS), Optional.empty(), false, DEFAULT);
    private static final ArchivalConfig.Kind CLUSTER_DEFAULT_ON = new ArchivalConfig.Kind(true, true,
            Optional.of(ArchivalConfig.Filestore.DEFAULTS), Optional.empty(), true, DEFAULT);
    private final List<String> validated = new ArrayList<>();

    @Test
    void registerTakesTheRequestOrTheClusterDefaults() {
        assertEquals(new ArchivalStates(ARCHIVAL_STATE_ENABLED, DEFAULT),
                ArchivalStates.register(CLUSTER, ARCHIVAL_STATE_ENABLED, "", validated::add));
        assertEquals(new ArchivalStates(ARCHIVAL_STATE_ENABLED, "file:///mine"),
                ArchivalStates.register(CLUSTER, ARCHIVAL_STATE_ENABLED, "file:///mine", validated::add));
        assertEquals(ArchivalStates.NEVER_ENABLED,
                ArchivalStates.register(CLUSTER, ARCHIVAL_STATE_UNSPECIFIED, "", validated::add));
        assertEquals(new ArchivalStates(ARCHIVAL_STATE_ENABLED, DEFAULT),
                ArchivalStates.register(CLUSTER_DEFAULT_ON, ARCHIVAL_STATE_UNSPECIFIED, "", validated::add));
        assertEquals(new ArchivalStates(ARCHIVAL_STATE_DISABLED, "file:///later"),
                ArchivalStates.register(CLUSTER, ARCHIVAL_STATE_UNSPECIFIED, "file:///later", validated::add));
        assertEquals(List.of(DEFAULT, "file:///mine", DEFAULT, "file:///later"), validated);
        // A cluster without archival ignores the request's fields.
        assertEquals(ArchivalStates.NEVER_ENABLED, ArchivalStates.register(ArchivalConfig.Kind.DISABLED,
                ARCHIVAL_STATE_ENABLED, "gs://whatever", u -> {
                    throw new AssertionError("not validated");
                }));
    }

    @Test
    void updateFlipsTheStateButNeverTheUri() {
        ArchivalStates on = new ArchivalStates(ARCHIVAL_STATE_ENABLED, "file:///a");
        ArchivalStates off = new ArchivalStates(ARCHIVAL_STATE_DISABLED, "file:///a");
        assertEquals(off, on.update(CLUSTER, ARCHIVAL_STATE_DISABLED, "", validated::add));
        assertEquals(on, off.update(CLUSTER, ARCHIVAL_STATE_ENABLED, "", validated::add));
        assertEquals(on, off.update(CLUSTER, ARCHIVAL_STATE_ENABLED, "file:///a", validated::add));
        assertEquals(on, on.update(CLUSTER, ARCHIVAL_STATE_UNSPECIFIED, "", validated::add));
        assertEquals("Cannot update existing archival URI", assertThrows(InvalidArgumentException.class,
                () -> on.update(CLUSTER, ARCHIVAL_STATE_ENABLED, "file:///b", validated::add)).getMessage());
        assertEquals(new ArchivalStates(ARCHIVAL_STATE_ENABLED, DEFAULT), ArchivalStates.NEVER_ENABLED.update(CLUSTER,
                ARCHIVAL_STATE_ENABLED, "", validated::add));
        assertEquals(on, on.update(ArchivalConfig.Kind.DISABLED, ARCHIVAL_STATE_DISABLED, "", validated::add));
    }

    @Test
    void aBadUriIsRefusedByItsProvider() {
        assertEquals("URI is invalid", assertThrows(InvalidArgumentException.class, () -> ArchivalStates.register(
                CLUSTER, ARCHIVAL_STATE_ENABLED, "file://relative", u -> {
                    throw new InvalidArgumentException("URI is invalid");
                })).getMessage());
    }
}
