/**
 * Temporal's RPC metrics, shared by every service: {@link io.kairos.common.metrics.ServiceRequestMetrics} on the
 * server side of each API (service_requests, service_errors, service_latency, service_pending_requests) and
 * {@link io.kairos.common.metrics.ClientRequestMetrics} on the calls one service makes to another (client_*).
 */
package io.kairos.common.metrics;
