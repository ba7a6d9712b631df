package io.kairos.frontend.auth;

import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;

/**
 * Temporal's default authorizer (default_authorizer.go at HEAD). GetSystemInfo is open to everyone (health checks and
 * reflection never reach it). Otherwise a namespace API compares the system role OR'd with the role in the request's
 * namespace, a cluster API the system role alone, against the API's access level as numbers: reader 2, writer 4,
 * admin 8. A caller without claims, or an API without a rule, is denied. One extension: the worker role, which
 * Temporal defines but lets do nothing, opens the calls an SDK worker makes ({@link ApiAccess#isWorkerApi}).
 */
public final class DefaultAuthorizer {
    private static final String GET_SYSTEM_INFO = WorkflowServiceGrpc.getGetSystemInfoMethod().getFullMethodName();

    /** Always allowed, even without a token: the SDKs call it before anything else. */
    public static boolean isOpen(String fullMethodName) {
        return GET_SYSTEM_INFO.equals(fullMethodName);
    }

    /** @param namespace the request's namespace field, "" when it has none */
    public boolean allows(Claims claims, String fullMethodName, String namespace) {
        if (isOpen(fullMethodName)) {
            return true;
        }
        if (claims == null) {
            return false;
        }
        ApiAccess.Rule rule = ApiAccess.of(fullMethodName);
        if (rule == null) {
            return false;
        }
        int has = switch (rule.scope()) {
            case CLUSTER -> claims.system();
            // Exact name, as Temporal looks it up; system roles count in every namespace.
            case NAMESPACE -> claims.system() | claims.namespaceRole(namespace);
        };
        return has >= rule.access().requiredRole
                || (has & Claims.ROLE_WORKER) != 0 && ApiAccess.isWorkerApi(fullMethodName);
    }
}
