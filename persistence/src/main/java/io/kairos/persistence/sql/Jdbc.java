package io.kairos.persistence.sql;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Runs work on a pooled connection, in one transaction or in autocommit, translating SQL errors. Every call is
 * one database transaction and is counted as Temporal counts persistence calls: {@code persistence_requests}
 * and {@code persistence_latency} by {@code operation}, {@code persistence_errors} by operation and SQLSTATE.
 */
public final class Jdbc {
    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection c) throws SQLException;
    }

    private final DataSource dataSource;
    private final MeterRegistry registry;
    /** {@code persistence} for the main store, {@code visibility_persistence} for visibility, as Temporal names them. */
    private final String metricPrefix;
    private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, io.micrometer.core.instrument.Counter> requests = new ConcurrentHashMap<>();

    public Jdbc(DataSource dataSource) {
        this(dataSource, new CompositeMeterRegistry());
    }

    public Jdbc(DataSource dataSource, MeterRegistry registry) {
        this(dataSource, registry, "persistence");
    }

    public Jdbc(DataSource dataSource, MeterRegistry registry, String metricPrefix) {
        this.dataSource = dataSource;
        this.registry = registry;
        this.metricPrefix = metricPrefix;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** All statements commit together or not at all. */
    public <T> T inTransaction(String operation, Work<T> work) {
        long start = System.nanoTime();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw failed(operation, e);
        } finally {
            record(operation, start);
        }
    }

    /** A read (or a single statement) in autocommit mode. */
    public <T> T read(String operation, Work<T> work) {
        long start = System.nanoTime();
        try (Connection c = dataSource.getConnection()) {
            return work.apply(c);
        } catch (SQLException e) {
            throw failed(operation, e);
        } finally {
            record(operation, start);
        }
    }

    private void record(String operation, long startNanos) {
        requests.computeIfAbsent(operation, op -> io.micrometer.core.instrument.Counter.builder(metricPrefix + "_requests")
                .description("Persistence calls (database transactions)").tag("operation", metricName(op))
                .register(registry)).increment();
        timers.computeIfAbsent(operation, op -> Timer.builder(metricPrefix + "_latency")
                        .description("Duration of one persistence call (one database transaction)")
                        .tag("operation", metricName(op)).register(registry))
                .record(System.nanoTime() - startNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private RuntimeException failed(String operation, SQLException e) {
        registry.counter(metricPrefix + "_errors", "operation", metricName(operation),
                "sqlstate", String.valueOf(e.getSQLState())).increment();
        return SqlErrors.translate(operation, e);
    }

    /**
     * The operation's leading words in Temporal's style ("create tasks (queue)" -> CreateTasks): a bounded set of
     * tag values.
     */
    static String metricName(String operation) {
        StringBuilder out = new StringBuilder();
        boolean upper = true;
        for (int i = 0; i < operation.length(); i++) {
            char ch = operation.charAt(i);
            if (ch == ' ' || ch == '_') {
                upper = true;
            } else if (Character.isLetter(ch)) {
                out.append(upper ? Character.toUpperCase(ch) : ch);
                upper = false;
            } else {
                break;
            }
        }
        return out.toString();
    }

    private static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException suppressed) {
            cause.addSuppressed(suppressed);
        }
    }
}
