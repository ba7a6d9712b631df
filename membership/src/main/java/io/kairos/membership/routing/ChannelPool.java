package io.kairos.membership.routing;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One channel per peer address, made on first use; this process's own services are reached over their in-process
 * channel. Channels to addresses that left the cluster are shut down (calls in flight on them finish).
 */
public final class ChannelPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChannelPool.class);

    private final Function<String, ManagedChannel> factory;
    private final Map<String, Channel> local = new ConcurrentHashMap<>();
    private final Map<String, ManagedChannel> remote = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** @param factory makes a network channel to host:port */
    public ChannelPool(Function<String, ManagedChannel> factory) {
        this.factory = factory;
    }

    /** Calls to {@code address} go to {@code channel} (a service of this process). */
    public void local(String address, Channel channel) {
        local.put(address, channel);
    }

    public Channel channel(String address) {
        Channel l = local.get(address);
        if (l != null) {
            return l;
        }
        if (closed) {
            throw new IllegalStateException("channel pool closed");
        }
        return remote.computeIfAbsent(address, a -> {
            log.debug("component=routing msg=\"dialling peer\" address={}", a);
            return factory.apply(a);
        });
    }

    /** Shuts down channels to addresses no longer live. */
    public void retain(Collection<String> live) {
        for (var e : remote.entrySet()) {
            if (!live.contains(e.getKey()) && remote.remove(e.getKey(), e.getValue())) {
                log.debug("component=routing msg=\"closing channel to departed peer\" address={}", e.getKey());
                e.getValue().shutdown();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (ManagedChannel c : remote.values()) {
            c.shutdown();
        }
        for (ManagedChannel c : remote.values()) {
            try {
                if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
                    c.shutdownNow();
                }
            } catch (InterruptedException e) {
                c.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        remote.clear();
    }
}
