package io.kairos.persistence.sql;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.SQLException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SqlErrorsTest {
    private static PersistenceException translate(String state) {
        return SqlErrors.translate("do thing", new SQLException("boom " + state, state));
    }

    private static void assertCommon(PersistenceException e, String state) {
        assertEquals(state, e.sqlState());
        assertInstanceOf(SQLException.class, e.getCause());
        assertEquals(state, ((SQLException) e.getCause()).getSQLState());
        assertTrue(e.getMessage().startsWith("do thing: "), e.getMessage());
        assertTrue(e.getMessage().contains("boom"), e.getMessage());
    }

    @Test
    void uniqueViolationIsDuplicateKey() {
        PersistenceException e = translate("23505");
        assertSame(DuplicateKeyException.class, e.getClass());
        assertCommon(e, "23505");
    }

    @ParameterizedTest
    @ValueSource(strings = {"23514", "23502", "23503", "23P01"})
    void otherIntegrityViolationsAreConstraintViolations(String state) {
        PersistenceException e = translate(state);
        assertSame(ConstraintViolationException.class, e.getClass());
        assertCommon(e, state);
    }

    @ParameterizedTest
    @ValueSource(strings = {"08006", "08001", "08003", "40001", "40P01", "57P01", "57P02", "57P03", "53300", "53100"})
    void retryableStatesAreTransient(String state) {
        PersistenceException e = translate(state);
        assertSame(TransientPersistenceException.class, e.getClass());
        assertCommon(e, state);
        assertTrue(SqlErrors.isTransient(state));
    }

    @ParameterizedTest
    @ValueSource(strings = {"22001", "22021", "22P05", "22007", "54000"})
    void valuesTheDatabaseRefusesAreValueRejections(String state) {
        PersistenceException e = translate(state);
        assertSame(ValueRejectedException.class, e.getClass(), "exact class for " + state);
        assertCommon(e, state);
        assertFalse(SqlErrors.isTransient(state));
    }

    @ParameterizedTest
    @ValueSource(strings = {"42P01", "42601", "40000", "57014", "XX000"})
    void everythingElseIsAPlainPersistenceException(String state) {
        PersistenceException e = translate(state);
        assertSame(PersistenceException.class, e.getClass(), "exact class for " + state);
        assertCommon(e, state);
        assertFalse(SqlErrors.isTransient(state));
    }

    @Test
    void missingSqlStateIsAPlainPersistenceException() {
        SQLException cause = new SQLException("no state");
        PersistenceException e = SqlErrors.translate("op", cause);
        assertSame(PersistenceException.class, e.getClass());
        assertNull(e.sqlState());
        assertSame(cause, e.getCause());
        assertEquals("op: no state", e.getMessage());
    }
}
