import CoreMetrics
import JobQueue
import NIOConcurrencyHelpers
import PasswordlessCore

/// The dispatcher's Prometheus series. Labels come from bounded sets only: provider names,
/// outcomes, dead-letter reasons, partition numbers, and the ids of the few busiest tenants
/// (plus `other`) — never user data.
struct DispatcherMetrics: Sendable {
    let pending = Gauge(label: "passwordless_queue_pending")
    let processing = Gauge(label: "passwordless_queue_processing")
    let scheduled = Gauge(label: "passwordless_queue_scheduled")
    let dead = Gauge(label: "passwordless_queue_dead")
    let oldestPendingAge = Gauge(label: "passwordless_queue_oldest_pending_age_seconds")
    let inFlight = Meter(label: "passwordless_deliveries_in_flight")
    let reaped = Counter(label: "passwordless_jobs_reaped_total")
    /// `passwordless_queue_tenant_pending` by tenant label, as last exported.
    private let tenantGauges = NIOLockedValueBox<[String: Gauge]>([:])
    /// The label of every tenant outside the busiest.
    static let otherTenants = "other"

    func record(_ stats: QueueStats) {
        pending.record(stats.pending)
        processing.record(stats.processing)
        scheduled.record(stats.scheduled)
        dead.record(stats.dead)
        oldestPendingAge.record(stats.oldestPendingAgeSeconds)
        for partition in stats.partitions {
            Gauge(label: "passwordless_queue_partition_pending", dimensions: [("partition", String(partition.index))])
                .record(partition.pending)
        }
        recordTenants(stats)
    }

    /// The busiest tenants' pending depth, and the rest as `other`. A tenant that left the
    /// busiest loses its series (so the label set stays at most ``QueueStats/busiestTenantCount`` + 1).
    private func recordTenants(_ stats: QueueStats) {
        var depths = Dictionary(stats.busiestTenants.map { ($0.tenant, $0.pending) }, uniquingKeysWith: +)
        depths[Self.otherTenants] = stats.otherTenantsPending
        let gone = tenantGauges.withLockedValue { gauges in
            var gone: [Gauge] = []
            for (tenant, gauge) in gauges where depths[tenant] == nil {
                gone.append(gauge)
                gauges[tenant] = nil
            }
            for (tenant, depth) in depths {
                let gauge = gauges[tenant] ?? Gauge(label: "passwordless_queue_tenant_pending", dimensions: [("tenant", tenant)])
                gauges[tenant] = gauge
                gauge.record(depth)
            }
            return gone
        }
        for gauge in gone { gauge.destroy() }
    }

    /// Outcomes of delivery attempts: `delivered`, `retry`, `dead`.
    func attempt(provider: String, outcome: String) {
        Counter(label: "passwordless_deliveries_total", dimensions: [("provider", provider), ("outcome", outcome)]).increment()
    }

    /// Jobs the connection's send rate made wait in the schedule (not attempts), by provider.
    func deferred(provider: String) {
        Counter(label: "passwordless_deliveries_deferred_total", dimensions: [("provider", provider)]).increment()
    }

    /// Jobs sent to their connection's fallback because its provider's circuit breaker was open,
    /// by the provider failed over from.
    func failedOver(provider: String) {
        Counter(label: "passwordless_deliveries_failed_over_total", dimensions: [("provider", provider)]).increment()
    }

    /// Dead letters by reason class: `expired`, `permanent`, `exhausted`, `malformed`.
    func deadLettered(reason: String) {
        Counter(label: "passwordless_dead_letters_total", dimensions: [("reason", reason)]).increment()
    }

    /// An SMS the provider accepted: `passwordless_sms_segments_total{provider,encoding}` adds the
    /// segments it is billed as, and `passwordless_sms_multi_segment_total{provider,encoding}`
    /// counts the messages that needed more than one.
    func smsSent(provider: String, segments: SMSSegments) {
        let dimensions = [("provider", provider), ("encoding", segments.encoding.rawValue)]
        Counter(label: "passwordless_sms_segments_total", dimensions: dimensions).increment(by: segments.count)
        if segments.count > 1 { Counter(label: "passwordless_sms_multi_segment_total", dimensions: dimensions).increment() }
    }

    /// Seconds from the job's creation (the `/start` that made it) to the provider's answer.
    func latency(provider: String, seconds: Double) {
        Timer(label: "passwordless_delivery_latency_seconds", dimensions: [("provider", provider)]).recordSeconds(seconds)
    }
}
