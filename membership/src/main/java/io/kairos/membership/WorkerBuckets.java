package io.kairos.membership;

import io.kairos.common.config.ServiceRole;
import io.kairos.common.ids.WorkerBucket;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Where the worker service's buckets ({@link WorkerBucket}: every schedule and batch job falls in one) run: spread over
 * the live worker processes like history shards ({@link Rendezvous#assignShards}, bounded load). A worker runs a bucket
 * only under its lease, so placement decides who should run it, the lease who does.
 */
public final class WorkerBuckets {
    public static final int COUNT = WorkerBucket.COUNT;

    private final Supplier<List<String>> members;

    public WorkerBuckets(Supplier<List<String>> members) {
        this.members = members;
    }

    public static WorkerBuckets of(Membership membership) {
        return new WorkerBuckets(() -> membership.view().addresses(ServiceRole.WORKER));
    }

    /** The live worker that should run the bucket, or null when none is live. */
    public String ownerOf(int bucket) {
        String[] owners = Rendezvous.assignShards(COUNT, members.get());
        return owners[bucket];
    }

    /** The buckets placed on the worker at {@code address}. */
    public Set<Integer> placedOn(String address) {
        String[] owners = Rendezvous.assignShards(COUNT, members.get());
        Set<Integer> out = new TreeSet<>();
        for (int b = 0; b < COUNT; b++) {
            if (address.equals(owners[b])) {
                out.add(b);
            }
        }
        return out;
    }
}
