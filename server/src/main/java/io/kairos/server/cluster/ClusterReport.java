package io.kairos.server.cluster;

import io.kairos.persistence.matching.TaskQueueStore.QueueRow;
import io.kairos.persistence.membership.MemberRecord;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** The text form of {@code cluster describe}: a pure function of a {@link ClusterSnapshot}. */
public final class ClusterReport {
    static final String STALE_SHARD_OWNER = "stale owner: shard moves when a live host acquires it";
    static final String STALE_QUEUE_OWNER = "(stale): the owner is not a live matching host; "
            + "the queue moves when a live host acquires it";

    private ClusterReport() {
    }

    public static String text(ClusterSnapshot s) {
        StringBuilder sb = new StringBuilder();
        header(s, sb);
        members(s, sb);
        shards(s, sb);
        queues(s, sb);
        return sb.toString();
    }

    private static void header(ClusterSnapshot s, StringBuilder sb) {
        if (s.metadata() == null) {
            sb.append("Cluster ").append(s.clusterName()).append(": not initialized (the first start creates it with ")
                    .append(s.configuredShardCount()).append(" history shards, as configured)\n");
        } else {
            sb.append("Cluster ").append(s.clusterName()).append(": ").append(s.shardCount())
                    .append(" history shards, id ").append(s.metadata().clusterId()).append(", created ")
                    .append(time(s.metadata().createdAt())).append('\n');
        }
        sb.append("Database time ").append(time(s.now())).append("\n\n");
    }

    private static void members(ClusterSnapshot s, StringBuilder sb) {
        long live = s.liveMemberCount();
        if (s.members().isEmpty()) {
            sb.append("Members: none (no service has joined)\n\n");
            return;
        }
        sb.append("Members: ").append(live).append(" live, ").append(s.members().size() - live).append(" expired\n");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ROLE", "ADDRESS", "IDENTITY", "STARTED", "LAST HEARTBEAT", "STATE"});
        for (MemberRecord m : s.members()) {
            rows.add(new String[] {m.role().configName(), m.address(), orDash(m.identity()), time(m.sessionStart()),
                    time(m.lastHeartbeat()) + " (" + age(m.lastHeartbeat(), s.now()) + " ago)",
                    s.isLive(m) ? "live" : "expired"});
        }
        table(rows, sb);
        sb.append('\n');
    }

    private static void shards(ClusterSnapshot s, StringBuilder sb) {
        List<ClusterSnapshot.OwnerShards> owners = s.shardOwners();
        List<Integer> unassigned = s.unassignedShards();
        long stale = owners.stream().filter(o -> !o.live()).mapToLong(o -> o.shardIds().size()).sum();
        sb.append("Shards: ").append(s.shards().size()).append(" of ").append(s.shardCount()).append(" acquired");
        if (stale > 0) {
            sb.append(", ").append(stale).append(" with a stale owner");
        }
        sb.append('\n');
        int width = owners.stream().mapToInt(o -> o.owner().length()).max().orElse(0);
        width = Math.max(width, unassigned.isEmpty() ? 0 : "unassigned".length());
        for (ClusterSnapshot.OwnerShards o : owners) {
            sb.append("  ").append(pad(o.owner(), width)).append("  owns ").append(count(o.shardIds().size(), "shard"))
                    .append(": ").append(ClusterSnapshot.compactRanges(o.shardIds()));
            if (!o.live()) {
                sb.append("  [").append(STALE_SHARD_OWNER).append(']');
            }
            sb.append('\n');
        }
        if (!unassigned.isEmpty()) {
            sb.append("  ").append(pad("unassigned", width)).append("  ").append(count(unassigned.size(), "shard"))
                    .append(": ").append(ClusterSnapshot.compactRanges(unassigned))
                    .append(" (never acquired; a live history host takes them)\n");
        }
        sb.append('\n');
    }

    private static void queues(ClusterSnapshot s, StringBuilder sb) {
        if (s.queues().isEmpty()) {
            sb.append("Task queues: none\n");
            return;
        }
        sb.append("Task queues: ").append(s.queues().size()).append(", most recently acquired first\n");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAMESPACE ID", "NAME", "TYPE", "KIND", "OWNER", "BACKLOG"});
        boolean anyStale = false;
        for (QueueRow q : s.queues()) {
            boolean live = s.queueOwnerLive(q);
            anyStale |= !live;
            rows.add(new String[] {q.namespaceId(), q.name(), ClusterSnapshot.taskType(q.taskType()),
                    ClusterSnapshot.kind(q.kind()), orDash(q.owner()) + (live ? "" : " (stale)"),
                    Long.toString(q.backlog())});
        }
        table(rows, sb);
        if (anyStale) {
            sb.append(STALE_QUEUE_OWNER).append('\n');
        }
        if (s.queueLimitReached()) {
            sb.append("Showing at most ").append(s.queueLimit()).append(" queues; pass --queues N for more.\n");
        }
    }

    /** Left-aligned columns, two spaces apart; the last column is not padded. */
    static void table(List<String[]> rows, StringBuilder sb) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                line.append(c == cols - 1 ? r[c] : pad(r[c], width[c] + 2));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
    }

    static String time(Instant i) {
        return i.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** A short age such as 0s, 42s, 3m12s, 5h2m, 2d3h; negative ages (clock skew) count as 0s. */
    static String age(Instant from, Instant now) {
        long sec = Math.max(0, Duration.between(from, now).toSeconds());
        if (sec < 60) {
            return sec + "s";
        }
        if (sec < 3600) {
            return sec / 60 + "m" + sec % 60 + "s";
        }
        if (sec < 86400) {
            return sec / 3600 + "h" + sec % 3600 / 60 + "m";
        }
        return sec / 86400 + "d" + sec % 86400 / 3600 + "h";
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
