package io.kairos.frontend.auth;

import java.util.Locale;
import java.util.Map;

/**
 * What a caller may do, as Temporal's {@code authorization.Claims}: a role bit set for the whole cluster ({@code system},
 * from {@code temporal-system:<role>} permissions) and one per namespace. The bits are Temporal's (roles.go), and the
 * default authorizer compares them as numbers.
 */
public record Claims(String subject, int system, Map<String, Integer> namespaces) {
    public static final int ROLE_UNDEFINED = 0;
    public static final int ROLE_WORKER = 1;
    public static final int ROLE_READER = 2;
    public static final int ROLE_WRITER = 4;
    public static final int ROLE_ADMIN = 8;

    /** Temporal's primitives.SystemLocalNamespace: permissions on it are the system role. */
    public static final String SYSTEM_NAMESPACE = "temporal-system";

    public Claims {
        namespaces = Map.copyOf(namespaces);
    }

    /** The role bits of a namespace, zero when the claims name none. */
    public int namespaceRole(String namespace) {
        return namespaces.getOrDefault(namespace, ROLE_UNDEFINED);
    }

    /** read, write, worker, admin in any case; anything else is no role (Temporal's permissionToRole). */
    public static int role(String permission) {
        return switch (permission.toLowerCase(Locale.ROOT)) {
            case "read" -> ROLE_READER;
            case "write" -> ROLE_WRITER;
            case "worker" -> ROLE_WORKER;
            case "admin" -> ROLE_ADMIN;
            default -> ROLE_UNDEFINED;
        };
    }
}
