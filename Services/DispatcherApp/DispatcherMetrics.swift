import CoreMetrics
import JobQueue

/// The dispatcher's Prometheus series. Labels come from fixed sets only: provider names,
/// outcomes and dead-letter reasons, never user data.
struct DispatcherMetrics: Sendable {
    let pending = Gauge(label: "passwordless_queue_pending")
    let processing = Gauge(label: "passwordless_queue_processing")
    let scheduled = Gauge(label: "passwordless_queue_scheduled")
    let dead = Gauge(label: "passwordless_queue_dead")
    let oldestPendingAge = Gauge(label: "passwordless_queue_oldest_pending_age_seconds")
    let inFlight = Meter(label: "passwordless_deliveries_in_flight")
    let reaped = Counter(label: "passwordless_jobs_reaped_total")

    func record(_ stats: QueueStats) {
        pending.record(stats.pending)
        processing.record(stats.processing)
        scheduled.record(stats.scheduled)
        dead.record(stats.dead)
        oldestPendingAge.record(stats.oldestPendingAgeSeconds)
    }

    /// Outcomes of delivery attempts: `delivered`, `retry`, `dead`.
    func attempt(provider: String, outcome: String) {
        Counter(label: "passwordless_deliveries_total", dimensions: [("provider", provider), ("outcome", outcome)]).increment()
    }

    /// Dead letters by reason class: `expired`, `permanent`, `exhausted`, `malformed`.
    func deadLettered(reason: String) {
        Counter(label: "passwordless_dead_letters_total", dimensions: [("reason", reason)]).increment()
    }

    /// Seconds from the job's creation (the `/start` that made it) to the provider's answer.
    func latency(provider: String, seconds: Double) {
        Timer(label: "passwordless_delivery_latency_seconds", dimensions: [("provider", provider)]).recordSeconds(seconds)
    }
}
