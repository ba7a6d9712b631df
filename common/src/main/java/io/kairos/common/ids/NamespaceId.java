package io.kairos.common.ids;

import java.util.Objects;
import java.util.UUID;

/** A namespace's immutable id. Public APIs take the name; internals, task tokens and shard hashing use this. */
public record NamespaceId(UUID uuid) {
    /** Temporal's fixed id for the system namespace. */
    public static final NamespaceId TEMPORAL_SYSTEM = new NamespaceId(UUID.fromString("32049b68-7872-4094-8e63-d0dd59896a83"));

    public NamespaceId {
        Objects.requireNonNull(uuid, "uuid");
    }

    public static NamespaceId random() {
        return new NamespaceId(UUID.randomUUID());
    }

    /** Parses the canonical textual form; throws IllegalArgumentException for anything else. */
    public static NamespaceId parse(String text) {
        UUID u = UUID.fromString(text);
        if (!u.toString().equalsIgnoreCase(text)) {
            throw new IllegalArgumentException("not a canonical UUID: " + text);
        }
        return new NamespaceId(u);
    }

    @Override
    public String toString() {
        return uuid.toString();
    }
}
