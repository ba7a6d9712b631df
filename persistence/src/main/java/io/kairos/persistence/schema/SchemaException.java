package io.kairos.persistence.schema;

/** The schema is not usable by this build: newer than it, or behind it with migrations not enabled. */
public final class SchemaException extends RuntimeException {
    public SchemaException(String message) {
        super(message);
    }
}
