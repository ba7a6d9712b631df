package io.kairos.membership;

import io.kairos.common.config.ServiceRole;
import io.kairos.persistence.membership.MemberRecord;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One snapshot of the live members, by service, each list ordered by address. {@code version} grows with every
 * change this process saw; {@code self} are this process's own services (included in the lists while its heartbeat
 * is current, left out once it is leaving or cannot reach the database).
 */
public record MembershipView(long version, Map<ServiceRole, List<MemberRecord>> byRole, Map<ServiceRole, String> self) {
    public static final MembershipView EMPTY = new MembershipView(0, Map.of(), Map.of());

    public MembershipView {
        Map<ServiceRole, List<MemberRecord>> m = new EnumMap<>(ServiceRole.class);
        byRole.forEach((r, l) -> m.put(r, List.copyOf(l)));
        byRole = Map.copyOf(m);
        self = Map.copyOf(self);
    }

    public List<MemberRecord> members(ServiceRole role) {
        return byRole.getOrDefault(role, List.of());
    }

    /** The addresses of the live members of a role, ordered. */
    public List<String> addresses(ServiceRole role) {
        return members(role).stream().map(MemberRecord::address).distinct().toList();
    }

    /** This process's address for the role, or null when it does not run it. */
    public String selfAddress(ServiceRole role) {
        return self.get(role);
    }

    /** This process's service is in the view (registered and heartbeating). */
    public boolean selfLive(ServiceRole role) {
        String a = self.get(role);
        return a != null && addresses(role).contains(a);
    }

    /** The set of (role, address) pairs: what changes when a host joins or leaves. */
    Set<String> signature() {
        java.util.TreeSet<String> s = new java.util.TreeSet<>();
        byRole.forEach((r, l) -> l.forEach(m -> s.add(r + "/" + m.address() + "/" + m.hostId())));
        return s;
    }
}
