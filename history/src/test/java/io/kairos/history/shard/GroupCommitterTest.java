package io.kairos.history.shard;

import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.ShardId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.testing.FakeExecutionStore;
import io.kairos.persistence.execution.ExecutionWrite;
import io.kairos.persistence.execution.WorkflowWrite;
import io.kairos.persistence.sql.ConditionFailedException;
import io.kairos.persistence.sql.DuplicateKeyException;
import io.kairos.persistence.sql.PersistenceException;
import io.kairos.persistence.sql.ShardOwnershipLostException;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupCommitterTest {
    private static final NamespaceId NS = NamespaceId.random();

    private final FakeExecutionStore store = new FakeExecutionStore();
    private final ShardContext shard = new ShardContext(new ShardId(1), 7, null, new GroupCommitter(store, 1));

    private static ExecutionWrite write(String workflowId) {
        WorkflowKey key = new WorkflowKey(NS, workflowId, UUID.randomUUID());
        return new ExecutionWrite.Update(key, new WorkflowWrite(WorkflowMutableState.getDefaultInstance(), 1, List.of(), 0,
                List.of(), List.of()));
    }

    private static String id(ExecutionWrite w) {
        return ((ExecutionWrite.Update) w).key().workflowId();
    }

    /** Runs one commit per write on its own virtual thread; returns each write's failure (null: committed). */
    private Map<String, Throwable> commitConcurrently(List<ExecutionWrite> writes) throws InterruptedException {
        Map<String, Throwable> out = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (ExecutionWrite w : writes) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    shard.commit(w);
                    out.put(id(w), new Throwable("ok"));
                } catch (RuntimeException e) {
                    out.put(id(w), e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join(10_000);
        }
        return out;
    }

    private static boolean ok(Throwable t) {
        return t != null && "ok".equals(t.getMessage()) && !(t instanceof RuntimeException);
    }

    @Test
    void writesArrivingDuringACommitShareTheNextTransaction() throws Exception {
        CountDownLatch firstCommitEntered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        store.onCommit = batch -> {
            firstCommitEntered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return new ArrayList<>(Collections.nCopies(batch.size(), null));
        };
        Thread first = Thread.ofVirtual().start(() -> shard.commit(write("first")));
        assertTrue(firstCommitEntered.await(10, TimeUnit.SECONDS));
        List<ExecutionWrite> rest = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            rest.add(write("w" + i));
        }
        Thread others = Thread.ofVirtual().start(() -> {
            try {
                commitConcurrently(rest).values().forEach(t -> assertTrue(ok(t), String.valueOf(t)));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        awaitQueued(20); // all 20 wait behind the blocked commit
        release.countDown();
        first.join(10_000);
        others.join(10_000);
        assertEquals(2, store.commits.size(), "one transaction for the first write, one for the 20 that waited");
        assertEquals(20, store.commits.get(1).size());
    }

    @Test
    void writesOfTheHostsShardsShareTransactions() throws Exception {
        ShardContext other = new ShardContext(new ShardId(2), 9, null, shard.committer());
        CountDownLatch release = new CountDownLatch(1);
        store.onCommit = batch -> {
            if (store.commits.isEmpty()) {
                await(release);
            }
            return new ArrayList<>(Collections.nCopies(batch.size(), null));
        };
        Thread first = Thread.ofVirtual().start(() -> shard.commit(write("first")));
        List<Thread> writers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ShardContext target = i % 2 == 0 ? shard : other;
            ExecutionWrite w = write("s" + i);
            writers.add(Thread.ofVirtual().start(() -> target.commit(w)));
        }
        awaitQueued(10);
        release.countDown();
        first.join(10_000);
        for (Thread t : writers) {
            t.join(10_000);
        }
        assertEquals(2, store.commits.size(), "one transaction for the first write, one for both shards' ten");
        assertEquals(10, store.commits.get(1).size());
        assertEquals(java.util.Set.of(1, 2), store.fencedShards.get(1), "each shard fenced in the shared transaction");
    }

    @Test
    void aSlowTransactionDoesNotHoldUpWritersWhileOthersCanBeInFlight() throws Exception {
        ShardContext parallel = new ShardContext(new ShardId(1), 7, null, new GroupCommitter(store, 4));
        CountDownLatch release = new CountDownLatch(1);
        store.onCommit = batch -> {
            if (batch.stream().anyMatch(w -> id(w).equals("slow"))) {
                await(release);
            }
            return new ArrayList<>(Collections.nCopies(batch.size(), null));
        };
        Thread slow = Thread.ofVirtual().start(() -> parallel.commit(write("slow")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.commits.isEmpty() && parallel.committer().queued() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(50); // the slow batch is in its transaction
        parallel.commit(write("fast")); // commits in a second transaction meanwhile
        assertTrue(slow.isAlive(), "the slow transaction is still open");
        release.countDown();
        slow.join(10_000);
        assertEquals(2, store.commits.size());
    }

    @Test
    void aWriteWhoseConditionFailsFailsAlone() throws Exception {
        store.onCommit = batch -> {
            List<RuntimeException> out = new ArrayList<>();
            for (ExecutionWrite w : batch) {
                out.add(id(w).equals("raced") ? new ConditionFailedException("raced") : null);
            }
            return out;
        };
        Map<String, Throwable> r = commitConcurrently(List.of(write("a"), write("raced"), write("b")));
        assertTrue(ok(r.get("a")));
        assertTrue(ok(r.get("b")));
        assertInstanceOf(ConditionFailedException.class, r.get("raced"));
    }

    @Test
    void aRejectedStatementIsFoundByCommittingEachWriteAlone() throws Exception {
        List<Integer> sizes = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        store.onCommit = batch -> {
            sizes.add(batch.size());
            if (sizes.size() == 1) {
                await(release);
            }
            if (batch.stream().anyMatch(w -> id(w).equals("bad"))) {
                throw new DuplicateKeyException("duplicate", "23505", null);
            }
            return new ArrayList<>(Collections.nCopies(batch.size(), null));
        };
        Thread first = Thread.ofVirtual().start(() -> shard.commit(write("first")));
        // the others must queue behind "first": under load they could otherwise reach the store before it
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sizes.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(List.of(1), sizes, "the first write's transaction is open");
        Map<String, Throwable> r = new ConcurrentHashMap<>();
        Thread others = Thread.ofVirtual().start(() -> {
            try {
                r.putAll(commitConcurrently(List.of(write("a"), write("bad"), write("b"))));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        awaitQueued(3);
        release.countDown();
        first.join(10_000);
        others.join(10_000);
        assertEquals(List.of(1, 3, 1, 1, 1), sizes, "the failed batch of three is retried write by write");
        assertTrue(ok(r.get("a")));
        assertTrue(ok(r.get("b")));
        assertInstanceOf(DuplicateKeyException.class, r.get("bad"));
    }

    private void awaitQueued(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (shard.committer().queued() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(n, shard.committer().queued());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anUnknownOutcomeOrLostOwnershipFailsEveryWriteOfTheBatch() throws Exception {
        PersistenceException broken = new PersistenceException("connection reset", "08006", null);
        store.onCommit = batch -> {
            throw broken;
        };
        Map<String, Throwable> r = commitConcurrently(List.of(write("a"), write("b")));
        assertSame(broken, r.get("a"));
        assertSame(broken, r.get("b"));

        ShardOwnershipLostException lost = new ShardOwnershipLostException(1, 7, 8);
        store.onCommit = batch -> {
            throw lost;
        };
        r = commitConcurrently(List.of(write("c"), write("d")));
        assertSame(lost, r.get("c"));
        assertSame(lost, r.get("d"));
    }
}
