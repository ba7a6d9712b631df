package io.kairos.membership.routing;

import io.kairos.common.config.ServiceRole;
import io.kairos.membership.MembershipView;
import io.kairos.membership.WorkerBuckets;
import io.kairos.common.ids.WorkerBucket;
import io.kairos.proto.worker.v1.*;

import java.util.List;
import java.util.function.Supplier;

/**
 * Where each internal worker call goes: the worker placed to run the schedule's or batch job's bucket, so the change
 * wakes its scheduler at once; requests about no one schedule (list, count) go to any live worker. Any worker answers
 * correctly: the placement only saves the owner a poll interval.
 */
public final class WorkerRoutes implements RoutingChannel.Router {
    private final Supplier<MembershipView> views;
    private final WorkerBuckets buckets;

    public WorkerRoutes(Supplier<MembershipView> views, WorkerBuckets buckets) {
        this.views = views;
        this.buckets = buckets;
    }

    @Override
    public String route(Object request) {
        String owner = switch (request) {
            case CreateScheduleRequest r -> schedule(r.getNamespace(), r.getRequest().getScheduleId());
            case DescribeScheduleRequest r -> schedule(r.getNamespace(), r.getRequest().getScheduleId());
            case UpdateScheduleRequest r -> schedule(r.getNamespace(), r.getRequest().getScheduleId());
            case PatchScheduleRequest r -> schedule(r.getNamespace(), r.getRequest().getScheduleId());
            case DeleteScheduleRequest r -> schedule(r.getNamespace(), r.getRequest().getScheduleId());
            case ListScheduleMatchingTimesRequest r -> schedule(r.getNamespace(), r.getRequest().getScheduleId());
            case StartBatchOperationRequest r -> schedule(r.getNamespace(), r.getRequest().getJobId());
            case StopBatchOperationRequest r -> schedule(r.getNamespace(), r.getRequest().getJobId());
            case DescribeBatchOperationRequest r -> schedule(r.getNamespace(), r.getRequest().getJobId());
            default -> null;
        };
        if (owner != null) {
            return owner;
        }
        MembershipView v = views.get();
        String self = v.selfAddress(ServiceRole.WORKER);
        List<String> hosts = v.addresses(ServiceRole.WORKER);
        if (self != null && hosts.contains(self)) {
            return self;
        }
        return hosts.isEmpty() ? null : hosts.get(0);
    }

    private String schedule(NamespaceRef ns, String id) {
        return buckets.ownerOf(WorkerBucket.of(ns.getId(), id));
    }
}
