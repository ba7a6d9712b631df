package io.kairos.frontend.namespace;

import io.kairos.common.config.ArchivalConfig;
import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.enums.v1.ArchivalState;

import java.util.function.Consumer;

/**
 * A namespace's history or visibility archival state and URI, changed by RegisterNamespace and UpdateNamespace as
 * Temporal's archival config state machine does: a URI, once set, never changes; enabling without one takes the
 * cluster's default; a cluster without archival configured ignores the request's archival fields.
 */
record ArchivalStates(ArchivalState state, String uri) {
    static final ArchivalStates NEVER_ENABLED = new ArchivalStates(ArchivalState.ARCHIVAL_STATE_DISABLED, "");

    /** What RegisterNamespace stores: the request's state (the cluster's default when unspecified) and URI. */
    static ArchivalStates register(ArchivalConfig.Kind cluster, ArchivalState requested, String uri,
                                   Consumer<String> validateUri) {
        if (!cluster.clusterConfigured()) {
            return NEVER_ENABLED;
        }
        ArchivalState state = requested == ArchivalState.ARCHIVAL_STATE_UNSPECIFIED
                ? (cluster.defaultState() ? ArchivalState.ARCHIVAL_STATE_ENABLED : ArchivalState.ARCHIVAL_STATE_DISABLED)
                : requested;
        return NEVER_ENABLED.next(state, uri, cluster.defaultUri(), validateUri);
    }

    /** What UpdateNamespace stores; {@code this} when nothing changes or the cluster has no archival. */
    ArchivalStates update(ArchivalConfig.Kind cluster, ArchivalState requested, String uri, Consumer<String> validateUri) {
        if (!cluster.clusterConfigured()) {
            return this;
        }
        return next(requested, uri, cluster.defaultUri(), validateUri);
    }

    boolean enabled() {
        return state == ArchivalState.ARCHIVAL_STATE_ENABLED;
    }

    private ArchivalStates next(ArchivalState event, String eventUri, String defaultUri, Consumer<String> validateUri) {
        if (defaultUri.isEmpty()) {
            throw new InvalidArgumentException("Encountered illegal event: default URI is not set (should be impossible)");
        }
        boolean haveUri = !uri.isEmpty();
        boolean eventHasUri = !eventUri.isEmpty();
        if (haveUri && eventHasUri && !uri.equals(eventUri)) {
            throw new InvalidArgumentException("Cannot update existing archival URI");
        }
        ArchivalStates next;
        if (haveUri) {
            // The URI stays; only the state may flip.
            next = switch (event) {
                case ARCHIVAL_STATE_ENABLED, ARCHIVAL_STATE_DISABLED -> new ArchivalStates(event, uri);
                default -> this;
            };
        } else {
            next = switch (event) {
                case ARCHIVAL_STATE_ENABLED -> new ArchivalStates(event, eventHasUri ? eventUri : defaultUri);
                case ARCHIVAL_STATE_DISABLED, ARCHIVAL_STATE_UNSPECIFIED -> eventHasUri
                        ? new ArchivalStates(ArchivalState.ARCHIVAL_STATE_DISABLED, eventUri) : this;
                default -> this;
            };
        }
        if (!next.uri.isEmpty()) {
            validateUri.accept(next.uri);
        }
        return next;
    }
}
