package io.kairos.persistence.sql;

/** SQLSTATE 23505: a row with that key exists. Stores turn it into the API's ALREADY_EXISTS case. */
public final class DuplicateKeyException extends PersistenceException {
    public DuplicateKeyException(String message, String sqlState, Throwable cause) {
        super(message, sqlState, cause);
    }
}
