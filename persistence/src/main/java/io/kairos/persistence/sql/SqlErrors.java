package io.kairos.persistence.sql;

import java.sql.SQLException;

/** Classifies SQL errors by SQLSTATE (never by message text) into typed exceptions. */
public final class SqlErrors {
    public static final String UNIQUE_VIOLATION = "23505";
    public static final String CHECK_VIOLATION = "23514";
    public static final String SERIALIZATION_FAILURE = "40001";
    public static final String DEADLOCK_DETECTED = "40P01";
    /** For example an index row over the B-tree's maximum: a value too large to index. */
    public static final String PROGRAM_LIMIT_EXCEEDED = "54000";

    private SqlErrors() {
    }

    public static PersistenceException translate(String operation, SQLException e) {
        String state = e.getSQLState();
        String message = operation + ": " + e.getMessage();
        if (state == null) {
            return new PersistenceException(message, null, e);
        }
        if (state.equals(UNIQUE_VIOLATION)) {
            return new DuplicateKeyException(message, state, e);
        }
        if (state.startsWith("23")) {
            return new ConstraintViolationException(message, state, e);
        }
        if (state.startsWith("22") || state.equals(PROGRAM_LIMIT_EXCEEDED)) {
            return new ValueRejectedException(message, state, e);
        }
        if (isTransient(state)) {
            return new TransientPersistenceException(message, state, e);
        }
        return new PersistenceException(message, state, e);
    }

    /**
     * Integrity (23), data (22) and syntax/access (42) errors: the database refused a statement, so the transaction
     * rolled back and nothing of it was written (unlike a broken connection, whose commit outcome is unknown).
     */
    public static boolean rejectedByStatement(RuntimeException e) {
        String state = e instanceof PersistenceException pe ? pe.sqlState() : null;
        return state != null && (state.startsWith("23") || state.startsWith("22") || state.startsWith("42"));
    }

    /**
     * 08: connection exceptions; 40001/40P01: retryable aborts; 53: insufficient resources (too many
     * connections, disk full); 57P01-57P03: admin shutdown, crash shutdown, cannot connect now (failover).
     */
    static boolean isTransient(String state) {
        return state.startsWith("08") || state.equals(SERIALIZATION_FAILURE) || state.equals(DEADLOCK_DETECTED)
                || state.startsWith("53") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03");
    }
}
