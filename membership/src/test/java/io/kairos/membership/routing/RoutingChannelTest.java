package io.kairos.membership.routing;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.errors.OwnershipMovedException;
import io.kairos.common.grpc.ErrorMapper;
import io.kairos.proto.matching.v1.DescribeMatchingHostRequest;
import io.kairos.proto.matching.v1.DescribeMatchingHostResponse;
import io.kairos.proto.matching.v1.MatchingServiceGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The routing channel over two in-process "matching hosts" A and B: a call A answers "moved to B" is sent again to B
 * without the caller noticing; a move of another role is not followed and reaches the caller as a plain UNAVAILABLE;
 * with no live host a call fails within its deadline.
 */
class RoutingChannelTest {
    private static final String A = "10.0.0.1:7235";
    private static final String B = "10.0.0.2:7235";

    /** One fake host: answers DescribeMatchingHost with its name, or with whatever {@code answer} says. */
    private static final class Host extends MatchingServiceGrpc.MatchingServiceImplBase {
        final String name;
        final AtomicInteger calls = new AtomicInteger();
        volatile Supplier<Throwable> failure = () -> null;

        Host(String name) {
            this.name = name;
        }

        @Override
        public void describeMatchingHost(DescribeMatchingHostRequest request,
                                         StreamObserver<DescribeMatchingHostResponse> response) {
            calls.incrementAndGet();
            Throwable t = failure.get();
            if (t != null) {
                response.onError(ErrorMapper.toStatus("DescribeMatchingHost", t));
                return;
            }
            response.onNext(DescribeMatchingHostResponse.newBuilder().setHostIdentity(name).setLoadedTaskQueues(7).build());
            response.onCompleted();
        }
    }

    private final Host hostA = new Host("host-a");
    private final Host hostB = new Host("host-b");
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final AtomicReference<String> route = new AtomicReference<>(A);
    private final AtomicInteger routed = new AtomicInteger();
    private ChannelPool pool;

    @BeforeEach
    void setUp() throws IOException {
        pool = new ChannelPool(address -> {
            throw new IllegalStateException("no network in this test: " + address);
        });
        pool.local(A, serve(hostA));
        pool.local(B, serve(hostB));
        // Warm up (class loading, first in-process call) so the timing assertions below measure the channel only.
        MatchingServiceGrpc.newBlockingStub(new RoutingChannel("matching", request -> B, pool, Duration.ofSeconds(5)))
                .describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance());
        hostB.calls.set(0);
    }

    /** Generous for a loaded 2-core machine; still far below the 5 s a call without a deadline would follow moves. */
    private static final long SLACK_MS = 1_000;

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.close();
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Server s : servers) {
            s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private ManagedChannel serve(Host host) throws IOException {
        String name = InProcessServerBuilder.generateName();
        servers.add(InProcessServerBuilder.forName(name).directExecutor().addService(host).build().start());
        ManagedChannel c = InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(c);
        return c;
    }

    private MatchingServiceGrpc.MatchingServiceBlockingStub stub(String role) {
        RoutingChannel channel = new RoutingChannel(role, request -> {
            routed.incrementAndGet();
            return route.get();
        }, pool, Duration.ofSeconds(5));
        return MatchingServiceGrpc.newBlockingStub(channel);
    }

    private static OwnershipMovedException moved(String role, String owner) {
        return new OwnershipMovedException(role, "task queue q", owner);
    }

    @Test
    void aCallGoesToTheRoutedHost() {
        DescribeMatchingHostResponse r = stub("matching").withDeadlineAfter(5, TimeUnit.SECONDS)
                .describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance());
        assertEquals("host-a", r.getHostIdentity());
        assertEquals(7, r.getLoadedTaskQueues());
        assertEquals(1, hostA.calls.get());
        assertEquals(0, hostB.calls.get());

        route.set(B);
        assertEquals("host-b", stub("matching").describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance())
                .getHostIdentity(), "each call asks the router");
    }

    @Test
    void aMoveOfItsRoleIsFollowedToTheNamedOwner() {
        hostA.failure = () -> moved(OwnershipMovedException.MATCHING, B);
        // The status A answers really carries the detail the channel follows.
        StatusRuntimeException answer = ErrorMapper.toStatus("x", moved(OwnershipMovedException.MATCHING, B));
        assertEquals(Status.Code.UNAVAILABLE, answer.getStatus().getCode());
        assertEquals(B, ErrorMapper.ownershipMoved(answer).getOwnerAddress());

        long t0 = System.nanoTime();
        DescribeMatchingHostResponse r = stub("matching").withDeadlineAfter(5, TimeUnit.SECONDS)
                .describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("host-b", r.getHostIdentity(), "the caller gets B's answer");
        assertEquals(1, hostA.calls.get());
        assertEquals(1, hostB.calls.get());
        assertEquals(1, routed.get(), "the hint is used as it is: no second routing decision");
        assertTrue(ms < SLACK_MS, "the first hop follows the hint without backoff, took " + ms + " ms");
    }

    @Test
    void aMoveWithoutAHintIsSentAgainWhereTheRouterNowPoints() {
        // A knows it lost the queue but not who has it; the membership view catches up meanwhile.
        hostA.failure = () -> {
            route.set(B);
            return moved(OwnershipMovedException.MATCHING, "");
        };
        DescribeMatchingHostResponse r = stub("matching").withDeadlineAfter(5, TimeUnit.SECONDS)
                .describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance());
        assertEquals("host-b", r.getHostIdentity());
        assertEquals(1, hostA.calls.get());
        assertEquals(1, hostB.calls.get());
        assertEquals(2, routed.get(), "routed again after the unhinted move");
    }

    @Test
    void aMoveOfTheOtherRoleIsNotFollowedAndReachesTheCallerAsPlainUnavailable() {
        hostA.failure = () -> moved(OwnershipMovedException.HISTORY, B);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub("matching")
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertNull(ErrorMapper.ownershipMoved(e), "the detail is stripped: no router upstream follows it");
        assertEquals(0, io.grpc.protobuf.StatusProto.fromThrowable(e).getDetailsCount(), "no status details at all");
        assertNotNull(e.getStatus().getDescription());
        assertTrue(e.getStatus().getDescription().contains("not owned by this history host"),
                e.getStatus().getDescription());
        assertEquals(1, hostA.calls.get());
        assertEquals(0, hostB.calls.get(), "not followed");
    }

    @Test
    void anOrdinaryErrorPassesThroughUnchanged() {
        hostA.failure = () -> new NotFoundException("no such queue");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub("matching")
                .describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertEquals("no such queue", e.getStatus().getDescription());
        assertEquals(1, io.grpc.protobuf.StatusProto.fromThrowable(e).getDetailsCount(), "details kept");
        assertTrue(ErrorMapper.fromStatus(e) instanceof NotFoundException);
        assertEquals(1, hostA.calls.get(), "not retried");
        assertEquals(0, hostB.calls.get());
    }

    @Test
    void withNoLiveHostACallFailsUnavailableWithinItsDeadline() {
        route.set(null);
        long t0 = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub("matching")
                .withDeadlineAfter(500, TimeUnit.MILLISECONDS)
                .describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance()));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals("no live matching host", e.getStatus().getDescription());
        assertTrue(ms <= 500 + SLACK_MS, "gave up after " + ms + " ms with a 500 ms deadline");
        assertTrue(ms >= 100, "kept asking the router with backoff meanwhile, gave up after " + ms + " ms");
        assertTrue(routed.get() >= 3, "asked the router again while waiting, " + routed.get() + " times");
        assertEquals(0, hostA.calls.get() + hostB.calls.get());
    }

    @Test
    void aHostThatKeepsSayingMovedDoesNotHoldTheCallerPastItsDeadline() {
        // A stale owner hint pointing back at A: the channel keeps following it, but only until the deadline.
        hostA.failure = () -> moved(OwnershipMovedException.MATCHING, A);
        long t0 = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub("matching")
                .withDeadlineAfter(500, TimeUnit.MILLISECONDS)
                .describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance()));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertNull(ErrorMapper.ownershipMoved(e), "a router upstream must not follow a move it gave up on");
        assertTrue(ms <= 500 + SLACK_MS, "gave up after " + ms + " ms");
        assertTrue(hostA.calls.get() >= 3, "tried again with backoff: " + hostA.calls.get());
        assertEquals(0, hostB.calls.get());
    }

    @Test
    void aCallWithoutADeadlineFollowsMovesForTheConfiguredTime() {
        route.set(null);
        RoutingChannel channel = new RoutingChannel("matching", request -> route.get(), pool, Duration.ofMillis(300));
        long t0 = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> MatchingServiceGrpc
                .newBlockingStub(channel).describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance()));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(ms <= 300 + SLACK_MS, "gave up after " + ms + " ms, retryWithoutDeadline 300 ms");
    }

    @Test
    void aHostThatComesUpWhileTheCallWaitsAnswersIt() throws Exception {
        route.set(null);
        Thread later = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(150);
            } catch (InterruptedException ignored) {
                return;
            }
            route.set(B);
        });
        DescribeMatchingHostResponse r = stub("matching").withDeadlineAfter(5, TimeUnit.SECONDS)
                .describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance());
        later.join();
        assertEquals("host-b", r.getHostIdentity());
    }

    @Test
    void theTargetOptionOverridesTheRouter() {
        DescribeMatchingHostResponse r = stub("matching").withOption(RoutingChannel.TARGET, B)
                .describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance());
        assertEquals("host-b", r.getHostIdentity());
        assertEquals(0, hostA.calls.get());
        assertEquals(0, routed.get());
    }
}
