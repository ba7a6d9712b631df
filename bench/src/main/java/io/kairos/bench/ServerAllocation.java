package io.kairos.bench;

import com.sun.tools.attach.VirtualMachine;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.util.ArrayList;
import java.util.List;

/**
 * Heap bytes the server's JVMs allocated so far, read through each JVM's platform ThreadMXBean
 * (TotalThreadAllocatedBytes: every thread, live or ended; virtual threads count on their carriers). The bench
 * attaches once per JVM and starts its local JMX agent there, which costs the server a thread and nothing per
 * request. A JVM that cannot be attached to is left out: then no figure at all, rather than a partial one.
 */
final class ServerAllocation implements AutoCloseable {
    private final List<JMXConnector> connectors = new ArrayList<>();
    private final List<MBeanServerConnection> servers = new ArrayList<>();

    ServerAllocation(List<Long> jvmPids) {
        for (long pid : jvmPids) {
            try {
                VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
                String address;
                try {
                    address = vm.startLocalManagementAgent();
                } finally {
                    vm.detach();
                }
                JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(address));
                connectors.add(c);
                servers.add(c.getMBeanServerConnection());
            } catch (Exception | LinkageError e) {
                System.out.println("  (no allocation figures: cannot attach to JVM " + pid + ": " + e + ")");
                close();
                servers.clear();
                return;
            }
        }
    }

    /** Bytes allocated by all the JVMs together, or -1 when unknown. */
    long allocatedBytes() {
        if (servers.isEmpty()) {
            return -1;
        }
        long sum = 0;
        try {
            ObjectName threading = new ObjectName("java.lang:type=Threading");
            for (MBeanServerConnection s : servers) {
                sum += (Long) s.getAttribute(threading, "TotalThreadAllocatedBytes");
            }
            return sum;
        } catch (Exception e) {
            return -1;
        }
    }

    @Override
    public void close() {
        for (JMXConnector c : connectors) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the server may be gone
            }
        }
        connectors.clear();
    }
}
