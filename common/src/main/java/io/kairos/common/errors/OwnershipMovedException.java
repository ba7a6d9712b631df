package io.kairos.common.errors;

/**
 * The history shard or task queue a request is for is not owned by this host (it moved, is being acquired, or this
 * host is leaving). Answered UNAVAILABLE with an {@code OwnershipMovedFailure}, which the caller's routing channel
 * follows to the owner; an SDK never sees it.
 */
public final class OwnershipMovedException extends ApiException {
    public static final String HISTORY = "history";
    public static final String MATCHING = "matching";

    private final String role;
    private final String ownerAddress;

    /**
     * @param role         {@link #HISTORY} or {@link #MATCHING}
     * @param ownerAddress where the owner is, as this host sees it; empty when unknown
     */
    public OwnershipMovedException(String role, String what, String ownerAddress) {
        super(what + " is not owned by this " + role + " host" + (ownerAddress.isEmpty() ? "" : "; owner: " + ownerAddress));
        this.role = role;
        this.ownerAddress = ownerAddress;
    }

    public String role() {
        return role;
    }

    public String ownerAddress() {
        return ownerAddress;
    }
}
