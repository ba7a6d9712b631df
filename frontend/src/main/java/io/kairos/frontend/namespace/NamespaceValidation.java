package io.kairos.frontend.namespace;

import com.google.protobuf.Duration;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.validation.NamespaceRules;

/** Request checks shared by the namespace RPCs, with Temporal's messages where Temporal has a check. */
final class NamespaceValidation {
    static final long MIN_RETENTION_SECONDS = NamespaceRules.MIN_RETENTION.toSeconds();
    static final long MAX_RETENTION_SECONDS = NamespaceRules.MAX_RETENTION.toSeconds();

    private NamespaceValidation() {
    }

    /** Length before presence, like Temporal's interceptor order. */
    static void requireName(String name) {
        if (NamespaceRules.tooLong(name)) {
            throw new InvalidArgumentException("Namespace length exceeds limit.");
        }
        if (name.isEmpty()) {
            throw new InvalidArgumentException("Namespace not set on request.");
        }
    }

    static void requireValidNewName(String name) {
        requireName(name);
        if (!NamespaceRules.validCharacters(name)) {
            throw new InvalidArgumentException("Namespace name \"" + name + "\" has invalid characters: "
                    + NamespaceRules.NAME_RULE + ".");
        }
    }

    /** Returns the retention to store: at least 1 h, capped at 100 years. */
    static Duration retention(boolean present, Duration d) {
        boolean mixedSigns = (d.getSeconds() > 0 && d.getNanos() < 0) || (d.getSeconds() < 0 && d.getNanos() > 0);
        if (!present || mixedSigns || d.getSeconds() < MIN_RETENTION_SECONDS) {
            throw new InvalidArgumentException("A valid retention period is not set on request.");
        }
        if (d.getSeconds() > MAX_RETENTION_SECONDS) {
            return Duration.newBuilder().setSeconds(MAX_RETENTION_SECONDS).build();
        }
        return d;
    }

    static NamespaceId parseId(String id) {
        try {
            return NamespaceId.parse(id);
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("Invalid namespace id: \"" + id + "\" is not a UUID.");
        }
    }
}
