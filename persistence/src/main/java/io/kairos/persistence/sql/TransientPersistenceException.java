package io.kairos.persistence.sql;

/** The database is unreachable, shutting down, or aborted us for a retryable reason (serialization, deadlock). */
public final class TransientPersistenceException extends PersistenceException implements io.kairos.common.errors.Retryable {
    public TransientPersistenceException(String message, String sqlState, Throwable cause) {
        super(message, sqlState, cause);
    }
}
