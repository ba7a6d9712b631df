package io.kairos.persistence.sql;

/** SQLSTATE class 23 other than unique violations, and our triggers' check violations (e.g. immutable shard count). */
public final class ConstraintViolationException extends PersistenceException {
    public ConstraintViolationException(String message, String sqlState, Throwable cause) {
        super(message, sqlState, cause);
    }
}
