package io.kairos.membership;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rendezvous hashing: {@link Rendezvous#owner} is plain highest-random-weight (minimal movement is exact), and
 * {@link Rendezvous#assignShards} is rendezvous order with a bounded-load cap of ceil(S/N) per member, placed in
 * shard-id order. The cap is guaranteed; the movement bound for shards is not a theorem (a shard displaced by the cap
 * may cascade to another surviving member), so it is checked for concrete, deterministic member sets.
 */
class RendezvousTest {
    private static final int SHARDS = 512;

    private static List<String> hosts(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add("10.0.0." + i + ":7234");
        }
        return out;
    }

    private static List<String> keys(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("ns/queue-" + i);
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------------- owner

    @Test
    void ownerOfNoMembersIsNull() {
        assertNull(Rendezvous.owner(List.of(), "anything"));
        assertNull(Rendezvous.owner(new ArrayList<>(), ""));
    }

    @Test
    void ownerIsAMemberAndDeterministic() {
        List<String> members = hosts(5);
        for (String k : keys(1000)) {
            String o = Rendezvous.owner(members, k);
            assertNotNull(o);
            assertTrue(members.contains(o), o);
            assertEquals(o, Rendezvous.owner(List.copyOf(members), k), "same inputs, same owner");
        }
        assertEquals("only", Rendezvous.owner(List.of("only"), "k"), "a single member owns everything");
    }

    @Test
    void ownerDoesNotDependOnTheOrderOfTheMembers() {
        List<String> members = hosts(6);
        Random random = new Random(42);
        for (int round = 0; round < 10; round++) {
            List<String> shuffled = new ArrayList<>(members);
            Collections.shuffle(shuffled, random);
            for (String k : keys(2000)) {
                assertEquals(Rendezvous.owner(members, k), Rendezvous.owner(shuffled, k), "key " + k + " order " + shuffled);
            }
        }
    }

    @Test
    void ownerSpreadsKeysOverTheMembers() {
        List<String> members = hosts(4);
        Map<String, Integer> counts = new HashMap<>();
        for (String k : keys(10_000)) {
            counts.merge(Rendezvous.owner(members, k), 1, Integer::sum);
        }
        assertEquals(4, counts.size(), "every member owns some keys: " + counts);
        counts.forEach((m, c) -> assertTrue(c > 1_800 && c < 3_200, m + " owns " + c + " of 10000 keys: " + counts));
    }

    @Test
    void whenAMemberLeavesOnlyTheKeysItOwnedMove() {
        List<String> before = hosts(4);
        String gone = before.get(2);
        List<String> after = new ArrayList<>(before);
        after.remove(gone);
        int moved = 0;
        for (String k : keys(10_000)) {
            String was = Rendezvous.owner(before, k);
            String now = Rendezvous.owner(after, k);
            if (!was.equals(now)) {
                moved++;
                assertEquals(gone, was, "key " + k + " moved from a member that stayed");
            } else {
                assertTrue(!was.equals(gone), "key " + k + " still owned by the member that left");
            }
        }
        assertTrue(moved > 1_500 && moved < 3_500, "the leaver's quarter of the keys moved, got " + moved);
    }

    @Test
    void whenAMemberJoinsKeysMoveOnlyToItAndAboutOneInN() {
        List<String> before = hosts(3);
        String joined = "10.0.0.99:7234";
        List<String> after = new ArrayList<>(before);
        after.add(1, joined); // anywhere in the list
        int moved = 0;
        for (String k : keys(10_000)) {
            String was = Rendezvous.owner(before, k);
            String now = Rendezvous.owner(after, k);
            if (!was.equals(now)) {
                moved++;
                assertEquals(joined, now, "key " + k + " moved between two members that were already there");
            }
        }
        double share = moved / 10_000.0;
        assertTrue(share >= 0.15 && share <= 0.35, "about 1/4 of the keys move to the new member, got " + share);
    }

    // ---------------------------------------------------------------------------------------------- assignShards

    @Test
    void assignShardsWithoutMembersLeavesEveryShardUnowned() {
        String[] owners = Rendezvous.assignShards(16, List.of());
        assertEquals(16, owners.length);
        for (String o : owners) {
            assertNull(o);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7})
    void everyShardHasAnOwnerAndNoMemberExceedsTheCap(int n) {
        List<String> members = hosts(n);
        String[] owners = Rendezvous.assignShards(SHARDS, members);
        assertEquals(SHARDS, owners.length);
        Map<String, Integer> load = loads(owners);
        for (int i = 0; i < owners.length; i++) {
            assertNotNull(owners[i], "shard " + (i + 1) + " has no owner");
            assertTrue(members.contains(owners[i]), owners[i]);
        }
        int cap = (SHARDS + n - 1) / n;
        assertEquals(n, load.size(), "every member owns shards: " + load);
        load.forEach((m, c) -> assertTrue(c <= cap, m + " owns " + c + " shards, cap " + cap));
        // With the cap at ceil(S/N) the spread is also tight from below: the others cannot absorb more.
        load.forEach((m, c) -> assertTrue(c >= SHARDS - (n - 1) * cap, m + " owns only " + c));
    }

    @Test
    void smallShardCountsSpreadEvenly() {
        // The reason for the cap: 4 shards over 4 hosts is one each, not whatever plain rendezvous would pick.
        String[] owners = Rendezvous.assignShards(4, hosts(4));
        assertEquals(4, new HashSet<>(List.of(owners)).size(), List.of(owners).toString());
        owners = Rendezvous.assignShards(3, hosts(5));
        assertEquals(3, new HashSet<>(List.of(owners)).size(), "more members than shards: one each");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7})
    void assignShardsDoesNotDependOnTheOrderOfTheMembers(int n) {
        List<String> members = hosts(n);
        String[] expected = Rendezvous.assignShards(SHARDS, members);
        assertArrayEquals(expected, Rendezvous.assignShards(SHARDS, List.copyOf(members)), "deterministic");
        Random random = new Random(n);
        for (int round = 0; round < 5; round++) {
            List<String> shuffled = new ArrayList<>(members);
            Collections.shuffle(shuffled, random);
            assertArrayEquals(expected, Rendezvous.assignShards(SHARDS, shuffled), "order " + shuffled);
        }
        List<String> reversed = new ArrayList<>(members);
        Collections.reverse(reversed);
        assertArrayEquals(expected, Rendezvous.assignShards(SHARDS, reversed));
    }

    /** N -> N+1: about the new member's share moves, not a reshuffle. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7})
    void aJoinMovesAboutTheNewMembersShare(int n) {
        for (String prefix : List.of("10.0.0.", "history-", "kairos-history-")) {
            List<String> before = named(prefix, n);
            List<String> after = new ArrayList<>(before);
            String joined = prefix + "new:7234";
            after.add(joined);
            String[] was = Rendezvous.assignShards(SHARDS, before);
            String[] now = Rendezvous.assignShards(SHARDS, after);
            int gained = loads(now).getOrDefault(joined, 0);
            int moved = changed(was, now);
            assertTrue(gained > 0, "the new member gets shards");
            assertTrue(gained <= (SHARDS + n) / (n + 1), "the new member stays within the cap: " + gained);
            // every shard the new member got moved; some more may cascade because of the cap
            assertTrue(moved >= gained);
            assertTrue(moved <= 1.3 * gained + 2, prefix + " " + n + "->" + (n + 1) + ": " + moved
                    + " shards changed owner, the new member got " + gained + " (ideal " + SHARDS / (n + 1) + ")");
        }
    }

    /** N -> N-1: about the leaver's shards move; the others mostly keep theirs. */
    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 5, 6, 7})
    void aLeaveMovesAboutTheLeaversShards(int n) {
        for (String prefix : List.of("10.0.0.", "history-", "kairos-history-")) {
            List<String> before = named(prefix, n);
            String[] was = Rendezvous.assignShards(SHARDS, before);
            Map<String, Integer> load = loads(was);
            for (String gone : before) {
                List<String> after = new ArrayList<>(before);
                after.remove(gone);
                String[] now = Rendezvous.assignShards(SHARDS, after);
                int had = load.get(gone);
                int moved = changed(was, now);
                for (int i = 0; i < now.length; i++) {
                    assertNotNull(now[i]);
                    assertTrue(!now[i].equals(gone), "shard " + (i + 1) + " still on the member that left");
                }
                assertTrue(moved >= had, "every shard of the leaver moved");
                assertTrue(moved <= 1.3 * had + 2, prefix + " " + n + "->" + (n - 1) + " without " + gone + ": "
                        + moved + " shards changed owner, the leaver had " + had + " (ideal " + SHARDS / n + ")");
            }
        }
    }

    @Test
    void aRestartedMemberOnTheSameAddressGetsTheSameShardsBack() {
        List<String> members = hosts(4);
        String[] before = Rendezvous.assignShards(SHARDS, members);
        List<String> without = new ArrayList<>(members);
        without.remove(3);
        Rendezvous.assignShards(SHARDS, without);
        assertArrayEquals(before, Rendezvous.assignShards(SHARDS, new ArrayList<>(members)),
                "the assignment is a pure function of the member set");
    }

    private static List<String> named(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(prefix + i + ":7234");
        }
        return out;
    }

    private static Map<String, Integer> loads(String[] owners) {
        Map<String, Integer> load = new HashMap<>();
        for (String o : owners) {
            if (o != null) {
                load.merge(o, 1, Integer::sum);
            }
        }
        return load;
    }

    private static int changed(String[] a, String[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            if (!Objects.equals(a[i], b[i])) {
                n++;
            }
        }
        return n;
    }
}
