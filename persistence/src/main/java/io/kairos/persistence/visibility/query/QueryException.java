package io.kairos.persistence.visibility.query;

/** A query that cannot be parsed or compiled; the frontend answers INVALID_ARGUMENT with this message. */
public final class QueryException extends RuntimeException {
    public QueryException(String message) {
        super(message);
    }

    static QueryException malformed(String detail) {
        return new QueryException("invalid query: malformed SQL query: " + detail);
    }

    static QueryException invalid(String detail) {
        return new QueryException("invalid query: " + detail);
    }
}
