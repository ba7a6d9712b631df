package io.kairos.membership;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * Rendezvous (highest random weight) hashing: a key belongs to the member with the highest weight(member, key), so a
 * join or leave moves only the keys whose top member changed (about 1/N). Shards add a load cap
 * ({@link #assignShards}), which costs a few extra moves between the remaining members. Members are named by their advertised
 * address, so a process restarted on the same address gets the same keys back. Every process computes the same
 * owner from the same member list; nothing is coordinated.
 */
public final class Rendezvous {
    private Rendezvous() {
    }

    /** The owner of {@code key} among {@code members}, or null when there are none. */
    public static String owner(List<String> members, String key) {
        String best = null;
        long bestWeight = 0;
        long k = hash(key);
        for (String m : members) {
            long w = weight(hash(m), k);
            if (best == null || w > bestWeight
                    || (w == bestWeight && m.compareTo(best) < 0)) {
                best = m;
                bestWeight = w;
            }
        }
        return best;
    }

    /**
     * Shard owners: rendezvous order per shard, but no member takes more than ceil(shards / members) shards (bounded
     * load), so small shard counts still spread evenly. Shards are placed in id order, each to its highest-weight member
     * that has room. Index i holds the owner of shard i + 1; empty when there are no members.
     */
    public static String[] assignShards(int shardCount, List<String> members) {
        String[] owners = new String[shardCount];
        if (members.isEmpty()) {
            return owners;
        }
        List<String> sorted = new ArrayList<>(members);
        Collections.sort(sorted);
        int capacity = (shardCount + sorted.size() - 1) / sorted.size();
        long[] memberHashes = sorted.stream().mapToLong(Rendezvous::hash).toArray();
        int[] load = new int[sorted.size()];
        Integer[] order = new Integer[sorted.size()];
        for (int s = 0; s < shardCount; s++) {
            long k = hash(Integer.toString(s + 1));
            long[] w = new long[sorted.size()];
            for (int i = 0; i < w.length; i++) {
                w[i] = weight(memberHashes[i], k);
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparingLong((Integer i) -> w[i]).reversed()
                    .thenComparing(i -> sorted.get(i)));
            for (int i : order) {
                if (load[i] < capacity) {
                    load[i]++;
                    owners[s] = sorted.get(i);
                    break;
                }
            }
        }
        return owners;
    }

    private static long weight(long member, long key) {
        // flipping the sign bit makes signed comparison order the mixed value as unsigned
        return mix(member ^ mix(key)) ^ Long.MIN_VALUE;
    }

    /** FNV-1a over UTF-8, then a splitmix64 finaliser. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
