import Metrics
import PasswordlessCore

/// `passwordless_hook_events_total{type,outcome}`: events emitted (one per subscribed hook),
/// delivered, retried and dead-lettered. `type` is one of the seven ``HookEventType``s.
public enum EventMetrics {
    /// What happened to events: the fixed `outcome` label set.
    public enum Outcome: String, Sendable, CaseIterable {
        case emitted, delivered, retry, dead
    }

    public static func count(_ type: HookEventType, _ outcome: Outcome, by amount: Int = 1) {
        Counter(label: "passwordless_hook_events_total", dimensions: [("type", type.rawValue), ("outcome", outcome.rawValue)])
            .increment(by: amount)
    }
}
