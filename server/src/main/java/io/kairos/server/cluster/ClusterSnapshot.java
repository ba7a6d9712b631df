package io.kairos.server.cluster;

import io.kairos.common.config.ServiceRole;
import io.kairos.persistence.cluster.ClusterMetadata;
import io.kairos.persistence.matching.TaskQueueStore.QueueRow;
import io.kairos.persistence.membership.MemberRecord;
import io.kairos.persistence.shard.ShardStore.ShardRow;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What {@code cluster describe} read from the database, and the views derived from it. Pure: the renderers are
 * functions of this record.
 *
 * @param metadata             the cluster_metadata row, or null before the first start
 * @param configuredShardCount the config file's historyShardCount (used only while metadata is null)
 * @param now                  the database's clock, which membership expiry is measured against
 * @param queueLimit           how many queues were asked for
 */
public record ClusterSnapshot(String clusterName, ClusterMetadata metadata, int configuredShardCount, Instant now,
                              List<MemberRecord> members, List<ShardRow> shards, List<QueueRow> queues,
                              int queueLimit) {
    public ClusterSnapshot {
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(now, "now");
        members = List.copyOf(members);
        shards = List.copyOf(shards);
        queues = List.copyOf(queues);
    }

    /** The shards of one owner address, ascending. */
    public record OwnerShards(String owner, boolean live, List<Integer> shardIds) {
    }

    public boolean isLive(MemberRecord m) {
        return m.expiresAt().isAfter(now);
    }

    public long liveMemberCount() {
        return members.stream().filter(this::isLive).count();
    }

    public int shardCount() {
        return metadata != null ? metadata.historyShardCount() : configuredShardCount;
    }

    /** Addresses of the live members of a role. */
    public Set<String> liveAddresses(ServiceRole role) {
        Set<String> out = new HashSet<>();
        for (MemberRecord m : members) {
            if (m.role() == role && isLive(m)) {
                out.add(m.address());
            }
        }
        return out;
    }

    /** Shard rows grouped by owner (sorted by address); an owner that is not a live history member is not live. */
    public List<OwnerShards> shardOwners() {
        Set<String> live = liveAddresses(ServiceRole.HISTORY);
        Map<String, List<Integer>> byOwner = new TreeMap<>();
        for (ShardRow s : shards) {
            byOwner.computeIfAbsent(ownerOf(s), k -> new ArrayList<>()).add(s.shardId());
        }
        List<OwnerShards> out = new ArrayList<>();
        byOwner.forEach((owner, ids) -> out.add(new OwnerShards(owner, live.contains(owner),
                ids.stream().sorted().toList())));
        return out;
    }

    /** Shards 1..shardCount without a row: never acquired by any host. */
    public List<Integer> unassignedShards() {
        Set<Integer> present = new HashSet<>();
        shards.forEach(s -> present.add(s.shardId()));
        List<Integer> out = new ArrayList<>();
        for (int i = 1; i <= shardCount(); i++) {
            if (!present.contains(i)) {
                out.add(i);
            }
        }
        return out;
    }

    public boolean shardOwnerLive(ShardRow s) {
        return liveAddresses(ServiceRole.HISTORY).contains(ownerOf(s));
    }

    public boolean queueOwnerLive(QueueRow q) {
        return q.owner() != null && liveAddresses(ServiceRole.MATCHING).contains(q.owner());
    }

    /** True when as many queues as the limit were read: more may exist. */
    public boolean queueLimitReached() {
        return queues.size() >= queueLimit;
    }

    /** "-" for a row without an owner. */
    static String ownerOf(ShardRow s) {
        return s.owner() == null || s.owner().isEmpty() ? "-" : s.owner();
    }

    static String taskType(int type) {
        return switch (type) {
            case 1 -> "workflow";
            case 2 -> "activity";
            case 3 -> "nexus";
            default -> "type " + type;
        };
    }

    static String kind(int kind) {
        return switch (kind) {
            case 1 -> "normal";
            case 2 -> "sticky";
            default -> "kind " + kind;
        };
    }

    /** Ascending ids as compact ranges: [1, 4, 7, 8, 9, 12] -> "1,4,7-9,12". */
    public static String compactRanges(List<Integer> ids) {
        List<Integer> sorted = ids.stream().distinct().sorted().toList();
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < sorted.size()) {
            int start = sorted.get(i);
            int end = start;
            while (i + 1 < sorted.size() && sorted.get(i + 1) == end + 1) {
                end = sorted.get(++i);
            }
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(start);
            if (end > start) {
                sb.append('-').append(end);
            }
            i++;
        }
        return sb.toString();
    }
}
