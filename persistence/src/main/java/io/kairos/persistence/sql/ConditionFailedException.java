package io.kairos.persistence.sql;

/** A compare-and-swap write found the row changed by someone else; the caller re-reads and decides. */
public final class ConditionFailedException extends PersistenceException {
    public ConditionFailedException(String message) {
        super(message, null, null);
    }
}
