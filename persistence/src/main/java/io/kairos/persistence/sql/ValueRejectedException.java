package io.kairos.persistence.sql;

import io.kairos.common.errors.RejectedValue;

/** The database refused a value of the statement (a data exception or a size limit), not the statement itself. */
public final class ValueRejectedException extends PersistenceException implements RejectedValue {
    public ValueRejectedException(String message, String sqlState, Throwable cause) {
        super(message, sqlState, cause);
    }
}
