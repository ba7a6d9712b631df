package io.kairos.server.cluster;

import io.kairos.common.config.ServiceRole;
import io.kairos.persistence.cluster.ClusterMetadata;
import io.kairos.persistence.matching.TaskQueueStore.QueueRow;
import io.kairos.persistence.membership.MemberRecord;
import io.kairos.persistence.shard.ShardStore.ShardRow;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterReportTest {
    static final Instant NOW = Instant.parse("2026-12-04T20:30:00Z");
    static final UUID CLUSTER_ID = UUID.fromString("5c0e6a4e-1111-4a4a-9a9a-000000000001");
    static final String NS = "32049b68-7872-4094-8e63-d0dd59896a83";

    static MemberRecord member(int n, ServiceRole role, String address, boolean live) {
        UUID host = new UUID(0, n);
        return new MemberRecord(host, new UUID(1, n / 10), role, address, "host-" + n / 10 + ":" + (4200 + n / 10),
                NOW.minusSeconds(3600), live ? NOW.minusSeconds(1) : NOW.minusSeconds(95),
                live ? NOW.plusSeconds(9) : NOW.minusSeconds(85));
    }

    static ClusterSnapshot sample() {
        List<MemberRecord> members = List.of(
                member(11, ServiceRole.FRONTEND, "10.0.0.1:7233", true),
                member(12, ServiceRole.HISTORY, "10.0.0.1:7234", true),
                member(13, ServiceRole.MATCHING, "10.0.0.1:7235", true),
                member(22, ServiceRole.HISTORY, "10.0.0.2:7234", false));
        List<ShardRow> shards = new ArrayList<>();
        for (int id : new int[] {1, 4, 7, 8, 9, 12}) {
            shards.add(new ShardRow(id, 3, "10.0.0.1:7234", NOW.minusSeconds(60)));
        }
        for (int id : new int[] {2, 3}) {
            shards.add(new ShardRow(id, 2, "10.0.0.2:7234", NOW.minusSeconds(600)));
        }
        List<QueueRow> queues = List.of(
                new QueueRow(NS, "orders", 1, 1, 4, "10.0.0.1:7235", 12, NOW.minusSeconds(5)),
                new QueueRow(NS, "orders", 2, 1, 2, "10.0.0.9:7235", 0, NOW.minusSeconds(50)));
        return new ClusterSnapshot("active", new ClusterMetadata("active", CLUSTER_ID, 12, NOW.minusSeconds(86400)),
                4, NOW, members, shards, queues, 200);
    }

    @Test
    void compactRanges() {
        assertEquals("1,4,7-9,12", ClusterSnapshot.compactRanges(List.of(1, 4, 7, 8, 9, 12)));
        assertEquals("1-3", ClusterSnapshot.compactRanges(List.of(3, 1, 2)));
        assertEquals("5", ClusterSnapshot.compactRanges(List.of(5)));
        assertEquals("2-3,9", ClusterSnapshot.compactRanges(List.of(9, 2, 3, 3)));
        assertEquals("", ClusterSnapshot.compactRanges(List.of()));
    }

    @Test
    void derivedViews() {
        ClusterSnapshot s = sample();
        assertEquals(3, s.liveMemberCount());
        List<ClusterSnapshot.OwnerShards> owners = s.shardOwners();
        assertEquals(2, owners.size());
        assertEquals(new ClusterSnapshot.OwnerShards("10.0.0.1:7234", true, List.of(1, 4, 7, 8, 9, 12)), owners.get(0));
        assertEquals(new ClusterSnapshot.OwnerShards("10.0.0.2:7234", false, List.of(2, 3)), owners.get(1));
        assertEquals(List.of(5, 6, 10, 11), s.unassignedShards());
        assertTrue(s.queueOwnerLive(s.queues().get(0)));
        assertFalse(s.queueOwnerLive(s.queues().get(1)));
        assertFalse(s.queueLimitReached());
    }

    @Test
    void text() {
        assertEquals("""
                Cluster active: 12 history shards, id 5c0e6a4e-1111-4a4a-9a9a-000000000001, created 2026-12-03T20:30:00Z
                Database time 2026-12-04T20:30:00Z

                Members: 3 live, 1 expired
                ROLE      ADDRESS        IDENTITY     STARTED               LAST HEARTBEAT                    STATE
                frontend  10.0.0.1:7233  host-1:4201  2026-12-04T19:30:00Z  2026-12-04T20:29:59Z (1s ago)     live
                history   10.0.0.1:7234  host-1:4201  2026-12-04T19:30:00Z  2026-12-04T20:29:59Z (1s ago)     live
                matching  10.0.0.1:7235  host-1:4201  2026-12-04T19:30:00Z  2026-12-04T20:29:59Z (1s ago)     live
                history   10.0.0.2:7234  host-2:4202  2026-12-04T19:30:00Z  2026-12-04T20:28:25Z (1m35s ago)  expired

                Shards: 8 of 12 acquired, 2 with a stale owner
                  10.0.0.1:7234  owns 6 shards: 1,4,7-9,12
                  10.0.0.2:7234  owns 2 shards: 2-3  [stale owner: shard moves when a live host acquires it]
                  unassigned     4 shards: 5-6,10-11 (never acquired; a live history host takes them)

                Task queues: 2, most recently acquired first
                NAMESPACE ID                          NAME    TYPE      KIND    OWNER                  BACKLOG
                32049b68-7872-4094-8e63-d0dd59896a83  orders  workflow  normal  10.0.0.1:7235          12
                32049b68-7872-4094-8e63-d0dd59896a83  orders  activity  normal  10.0.0.9:7235 (stale)  0
                (stale): the owner is not a live matching host; the queue moves when a live host acquires it
                """, ClusterReport.text(sample()));
    }

    @Test
    void textOfAnEmptyUninitializedCluster() {
        ClusterSnapshot s = new ClusterSnapshot("active", null, 4, NOW, List.of(), List.of(), List.of(), 200);
        assertEquals("""
                Cluster active: not initialized (the first start creates it with 4 history shards, as configured)
                Database time 2026-12-04T20:30:00Z

                Members: none (no service has joined)

                Shards: 0 of 4 acquired
                  unassigned  4 shards: 1-4 (never acquired; a live history host takes them)

                Task queues: none
                """, ClusterReport.text(s));
    }

    @Test
    void truncatedQueuesPointAtTheFlag() {
        ClusterSnapshot full = sample();
        ClusterSnapshot s = new ClusterSnapshot("active", full.metadata(), 4, NOW, full.members(), full.shards(),
                full.queues().subList(0, 1), 1);
        assertTrue(s.queueLimitReached());
        assertTrue(ClusterReport.text(s).endsWith("Showing at most 1 queues; pass --queues N for more.\n"));
    }

    @Test
    void ages() {
        assertEquals("0s", ClusterReport.age(NOW.plusSeconds(3), NOW));
        assertEquals("42s", ClusterReport.age(NOW.minusSeconds(42), NOW));
        assertEquals("3m12s", ClusterReport.age(NOW.minusSeconds(192), NOW));
        assertEquals("5h2m", ClusterReport.age(NOW.minusSeconds(5 * 3600 + 120), NOW));
        assertEquals("2d3h", ClusterReport.age(NOW.minusSeconds(2 * 86400 + 3 * 3600), NOW));
    }

    @Test
    void json() {
        String json = ClusterJson.json(sample());
        assertTrue(json.startsWith("""
                {
                  "cluster": {
                    "name": "active",
                    "initialized": true,
                    "id": "5c0e6a4e-1111-4a4a-9a9a-000000000001",
                    "historyShardCount": 12,
                    "createdAt": "2026-12-03T20:30:00Z"
                  },
                  "databaseTime": "2026-12-04T20:30:00Z",
                  "members": [
                    {
                      "role": "frontend",
                      "address": "10.0.0.1:7233",
                """), json);
        assertTrue(json.contains("""
                      "state": "expired"
                """), json);
        assertTrue(json.contains("""
                      {
                        "owner": "10.0.0.2:7234",
                        "ownerLive": false,
                        "count": 2,
                        "ranges": "2-3",
                        "shardIds": [2, 3]
                      }
                """), json);
        assertTrue(json.contains("\"staleOwnerShardIds\": [2, 3],\n"), json);
        assertTrue(json.contains("\"unassignedShardIds\": [5, 6, 10, 11],\n"), json);
        assertTrue(json.contains("""
                        "type": "activity",
                        "kind": "normal",
                        "rangeId": 2,
                        "owner": "10.0.0.9:7235",
                        "ownerLive": false,
                        "backlog": 0,
                """), json);
        assertTrue(json.endsWith("  }\n}\n"), json);
    }

    @Test
    void jsonOfAnUninitializedCluster() {
        String json = ClusterJson.json(new ClusterSnapshot("a\"b", null, 4, NOW, List.of(), List.of(), List.of(), 200));
        assertTrue(json.contains("\"name\": \"a\\\"b\",\n    \"initialized\": false,\n    \"id\": null,"), json);
        assertTrue(json.contains("\"members\": [],"), json);
        assertTrue(json.contains("\"byOwner\": [],"), json);
        assertTrue(json.contains("\"queues\": []\n"), json);
    }
}
