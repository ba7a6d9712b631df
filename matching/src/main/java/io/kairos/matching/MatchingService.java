package io.kairos.matching;

import io.grpc.Channel;
import io.grpc.ServerServiceDefinition;
import io.kairos.persistence.matching.PostgresTaskQueueStore;
import io.kairos.persistence.namespace.NamespaceRow;
import io.kairos.persistence.namespace.PostgresNamespaceStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.kairos.persistence.matching.TaskQueueKey;
import io.kairos.persistence.sql.Jdbc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The matching service of one process: task queues leased in Postgres, long polls, sync match, persisted
 * backlog. Database work runs on virtual threads; waiting polls and history calls hold no thread at all.
 */
public final class MatchingService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MatchingService.class);
    private static final long SWEEP_INTERVAL_SECONDS = 60;

    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    /** After close, late callbacks (a history answer, a finished write) have nothing left to do. */
    private final Executor work = r -> {
        try {
            executor.execute(r);
        } catch (RejectedExecutionException e) {
            log.debug("component=matching msg=\"dropped work after shutdown\"");
        }
    };
    private final ScheduledThreadPoolExecutor timer;
    private final MatchingEngine engine;
    private final MatchingServiceHandler handler;
    private final QueryDispatcher queries;
    private final NexusDispatcher nexus;
    private ScheduledFuture<?> sweeper;

    /** The only matching host: owns every queue. */
    public MatchingService(String address, Clock clock, Jdbc jdbc, Channel historyChannel, MatchingConfig config,
                           MeterRegistry meters) {
        this(address, clock, jdbc, historyChannel, config, key -> null, meters);
    }

    /**
     * @param address        this host's advertised address (recorded as the owner of the queues it leases)
     * @param ownerElsewhere the owner of a queue when it is another matching host, else null (membership's hashing)
     * @param meters         the matching service's registry (Temporal's per-task-queue matching metrics)
     */
    public MatchingService(String address, Clock clock, Jdbc jdbc, Channel historyChannel, MatchingConfig config,
                           Function<TaskQueueKey, String> ownerElsewhere, MeterRegistry meters) {
        // one platform thread only schedules: expired timeouts and retries are handed to the executor
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "kairos-matching-timer");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        PostgresNamespaceStore namespaces = new PostgresNamespaceStore(jdbc);
        MatchingMetrics metrics = new MatchingMetrics(meters, id -> namespaces.getById(id).map(NamespaceRow::name));
        this.namespaceTag = id -> {
            try {
                return metrics.namespaceName(io.kairos.common.ids.NamespaceId.parse(id));
            } catch (RuntimeException e) {
                return MatchingMetrics.UNKNOWN;
            }
        };
        this.engine = new MatchingEngine(new PostgresTaskQueueStore(jdbc, clock, address), work, timer, clock, config,
                ownerElsewhere, metrics);
        this.queries = new QueryDispatcher(engine, work, timer, clock);
        this.nexus = new NexusDispatcher(engine, work, timer, clock);
        this.handler = new MatchingServiceHandler(address, clock, engine, queries, nexus,
                new HistoryClient(historyChannel, config.historyCallTimeout()), config);
    }

    /** For tests in this package. */
    MatchingEngine engine() {
        return engine;
    }

    /** For tests in this package. */
    QueryDispatcher queries() {
        return queries;
    }

    /** For tests in this package. */
    NexusDispatcher nexus() {
        return nexus;
    }

    private final java.util.function.Function<String, String> namespaceTag;

    /** A namespace id's metric tag value: its name, else "_unknown_". */
    public java.util.function.Function<String, String> namespaceTag() {
        return namespaceTag;
    }

    public List<ServerServiceDefinition> services() {
        return List.of(handler.bindService());
    }

    /** Starts the periodic unloading of idle queues. */
    public synchronized void start() {
        if (sweeper == null) {
            sweeper = timer.scheduleWithFixedDelay(() -> work.execute(this::sweep), SWEEP_INTERVAL_SECONDS,
                    SWEEP_INTERVAL_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** Membership changed: unloads queues now owned elsewhere (their polls and adds go to the new owner). */
    public void rebalance() {
        work.execute(() -> {
            try {
                engine.rebalance();
            } catch (RuntimeException e) {
                log.warn("component=matching msg=\"rebalance failed\" error=\"{}\"", e.toString());
            }
        });
    }

    private void sweep() {
        try {
            engine.sweep();
        } catch (RuntimeException e) {
            log.warn("component=matching msg=\"idle queue sweep failed\" error=\"{}\"", e.toString());
        }
    }

    /** Waiting polls answer empty; queued backlog writes fail (their adds are retried by history). */
    @Override
    public void close() {
        engine.close();
        timer.shutdownNow();
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
