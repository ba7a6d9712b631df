package io.kairos.persistence.sql;

/** A database failure that is not one of the typed cases below: a bug or an operator problem. */
public class PersistenceException extends RuntimeException {
    private final String sqlState;

    public PersistenceException(String message, String sqlState, Throwable cause) {
        super(message, cause);
        this.sqlState = sqlState;
    }

    /** The SQLSTATE that classified this error, or null when it did not come from the database. */
    public String sqlState() {
        return sqlState;
    }
}
