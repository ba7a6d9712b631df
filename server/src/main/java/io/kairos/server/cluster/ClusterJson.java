package io.kairos.server.cluster;

import io.kairos.persistence.matching.TaskQueueStore.QueueRow;
import io.kairos.persistence.membership.MemberRecord;
import io.kairos.persistence.shard.ShardStore.ShardRow;
import io.kairos.server.cli.Json;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON form of {@code cluster describe} (--output json): the text form's content, as data. */
public final class ClusterJson {
    private ClusterJson() {
    }

    public static String json(ClusterSnapshot s) {
        return Json.write(tree(s));
    }

    static Map<String, Object> tree(ClusterSnapshot s) {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put("name", s.clusterName());
        cluster.put("initialized", s.metadata() != null);
        cluster.put("id", s.metadata() == null ? null : s.metadata().clusterId().toString());
        cluster.put("historyShardCount", s.shardCount());
        cluster.put("createdAt", s.metadata() == null ? null : time(s.metadata().createdAt()));
        root.put("cluster", cluster);
        root.put("databaseTime", time(s.now()));
        root.put("members", members(s));
        root.put("shards", shards(s));
        root.put("taskQueues", queues(s));
        return root;
    }

    private static List<Object> members(ClusterSnapshot s) {
        List<Object> out = new ArrayList<>();
        for (MemberRecord m : s.members()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("role", m.role().configName());
            o.put("address", m.address());
            o.put("identity", m.identity());
            o.put("hostId", m.hostId().toString());
            o.put("processId", m.processId() == null ? null : m.processId().toString());
            o.put("sessionStart", time(m.sessionStart()));
            o.put("lastHeartbeat", time(m.lastHeartbeat()));
            o.put("expiresAt", time(m.expiresAt()));
            o.put("state", s.isLive(m) ? "live" : "expired");
            out.add(o);
        }
        return out;
    }

    private static Map<String, Object> shards(ClusterSnapshot s) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Object> owners = new ArrayList<>();
        List<Integer> stale = new ArrayList<>();
        for (ClusterSnapshot.OwnerShards o : s.shardOwners()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("owner", o.owner());
            m.put("ownerLive", o.live());
            m.put("count", o.shardIds().size());
            m.put("ranges", ClusterSnapshot.compactRanges(o.shardIds()));
            m.put("shardIds", o.shardIds());
            owners.add(m);
            if (!o.live()) {
                stale.addAll(o.shardIds());
            }
        }
        out.put("count", s.shardCount());
        out.put("byOwner", owners);
        out.put("staleOwnerShardIds", stale.stream().sorted().toList());
        out.put("unassignedShardIds", s.unassignedShards());
        List<Object> rows = new ArrayList<>();
        for (ShardRow r : s.shards()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("shardId", r.shardId());
            m.put("rangeId", r.rangeId());
            m.put("owner", r.owner());
            m.put("ownerLive", s.shardOwnerLive(r));
            m.put("updatedAt", time(r.updatedAt()));
            rows.add(m);
        }
        out.put("rows", rows);
        return out;
    }

    private static Map<String, Object> queues(ClusterSnapshot s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("limit", s.queueLimit());
        out.put("limitReached", s.queueLimitReached());
        List<Object> rows = new ArrayList<>();
        for (QueueRow q : s.queues()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("namespaceId", q.namespaceId());
            m.put("name", q.name());
            m.put("type", ClusterSnapshot.taskType(q.taskType()));
            m.put("kind", ClusterSnapshot.kind(q.kind()));
            m.put("rangeId", q.rangeId());
            m.put("owner", q.owner());
            m.put("ownerLive", s.queueOwnerLive(q));
            m.put("backlog", q.backlog());
            m.put("updatedAt", time(q.updatedAt()));
            rows.add(m);
        }
        out.put("queues", rows);
        return out;
    }

    private static String time(Instant i) {
        return i == null ? null : i.toString();
    }
}
