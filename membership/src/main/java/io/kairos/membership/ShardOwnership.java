package io.kairos.membership;

import io.kairos.common.config.ServiceRole;
import io.kairos.common.ids.ShardId;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Which live history host owns each shard: {@link Rendezvous#assignShards} over the history members of the current
 * view, computed once per view. Every process (frontends routing, matching routing, history hosts deciding what to
 * acquire) uses this one function, so they agree whenever their views agree.
 */
public final class ShardOwnership {
    private record Assignment(long version, String[] owners) {
    }

    private final Supplier<MembershipView> views;
    private final int shardCount;
    private volatile Assignment cached = new Assignment(-1, new String[0]);

    public ShardOwnership(Supplier<MembershipView> views, int shardCount) {
        this.views = views;
        this.shardCount = shardCount;
    }

    public int shardCount() {
        return shardCount;
    }

    /** The owner's address, or null when no history host is live. */
    public String ownerOf(ShardId shard) {
        return assignment(views.get())[shard.value() - 1];
    }

    /** The shards {@code address} should own in {@code view}. */
    public Set<ShardId> ownedBy(MembershipView view, String address) {
        Set<ShardId> out = new TreeSet<>(java.util.Comparator.comparingInt(ShardId::value));
        if (address == null) {
            return out;
        }
        String[] owners = assignment(view);
        for (int i = 0; i < owners.length; i++) {
            if (address.equals(owners[i])) {
                out.add(new ShardId(i + 1));
            }
        }
        return out;
    }

    private String[] assignment(MembershipView view) {
        Assignment a = cached;
        if (a.version() == view.version()) {
            return a.owners();
        }
        List<String> hosts = view.addresses(ServiceRole.HISTORY);
        String[] owners = Rendezvous.assignShards(shardCount, hosts);
        if (view.version() > a.version()) {
            cached = new Assignment(view.version(), owners);
        }
        return owners;
    }
}
