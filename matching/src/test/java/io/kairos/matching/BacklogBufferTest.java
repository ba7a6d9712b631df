package io.kairos.matching;

import io.kairos.persistence.matching.BacklogTask;
import io.kairos.proto.persistence.v1.BacklogTaskInfo;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class BacklogBufferTest {
    private static BacklogTask task(long id) {
        return new BacklogTask(id, BacklogTaskInfo.getDefaultInstance(), null);
    }

    private static List<BacklogTask> tasks(long from, long to) {
        return LongStream.rangeClosed(from, to).mapToObj(BacklogBufferTest::task).toList();
    }

    @Test
    void aFreshLeaseReadsWhatPreviousOwnersWroteBeforeAppendingItsOwnWrites() {
        BacklogBuffer b = new BacklogBuffer(99); // this lease's ids start at 100
        b.onCommitted(tasks(100, 100));
        assertEquals(0, b.size(), "not appended: older tasks may be in the database");

        BacklogBuffer.ReadRange r = b.startRead();
        assertEquals(new BacklogBuffer.ReadRange(0, 100, BacklogBuffer.READ_BATCH), r);
        assertNull(b.startRead(), "one read at a time");
        b.onRead(r, List.of(task(5), task(100)));
        assertEquals(100, b.readLevel());

        b.onCommitted(tasks(101, 102));
        assertEquals(4, b.size(), "caught up: own writes are appended without a read");
        assertEquals(5, b.poll().taskId());
        assertEquals(100, b.poll().taskId());
    }

    @Test
    void writesCommittedDuringAReadAreLeftForTheNextRead() {
        BacklogBuffer b = new BacklogBuffer(99);
        BacklogBuffer.ReadRange r = b.startRead();
        b.onCommitted(tasks(100, 101));
        b.onRead(r, List.of());
        assertEquals(0, b.size());
        BacklogBuffer.ReadRange next = b.startRead();
        assertNotNull(next);
        assertEquals(99, next.afterTaskId());
        assertEquals(101, next.maxTaskId());
    }

    @Test
    void aFullReadAdvancesOnlyToTheLastRowRead() {
        BacklogBuffer b = new BacklogBuffer(1_000);
        BacklogBuffer.ReadRange r = b.startRead();
        b.onRead(r, tasks(1, BacklogBuffer.READ_BATCH));
        assertEquals(BacklogBuffer.READ_BATCH, b.readLevel());
    }

    @Test
    void aFailedWriteForcesARead() {
        BacklogBuffer b = new BacklogBuffer(99);
        b.onRead(b.startRead(), List.of());
        b.onWriteFailed(100); // may have committed after all
        b.onCommitted(tasks(101, 101));
        assertEquals(0, b.size());
        assertEquals(new BacklogBuffer.ReadRange(99, 101, BacklogBuffer.READ_BATCH), b.startRead());
    }

    @Test
    void aTaskPutBackKeepsItsPlace() {
        BacklogBuffer b = new BacklogBuffer(0);
        b.onCommitted(tasks(1, 3));
        BacklogTask first = b.poll();
        b.putBack(first);
        assertEquals(1, b.poll().taskId());
    }
}
