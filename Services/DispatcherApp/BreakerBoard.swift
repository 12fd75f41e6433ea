import CoreMetrics
import Delivery
import Foundation
import Logging
import NIOConcurrencyHelpers
import PasswordlessCore
import ServiceSettings

/// This dispatcher's circuit breakers, one per connection and provider (a connection whose
/// provider changes starts with a closed breaker), made on first use.
///
/// In memory, per process: each dispatcher learns within a few of its own calls that a provider
/// is failing, which costs a handful of failed attempts per dispatcher — cheaper than a Redis
/// round trip on every delivery, and nothing is lost if a dispatcher restarts (its breakers
/// start closed and trip again on the next failures).
///
/// Transitions are logged with the connection's id and the provider, never a recipient; the
/// `passwordless_breaker_state{provider}` gauge shows, per provider, the most open of its
/// breakers here (0 closed, 1 half-open, 2 open), so its labels stay the fixed set of providers.
final class BreakerBoard: Sendable {
    struct Key: Hashable {
        var connection: UUID
        var provider: Connection.Provider
    }

    let policy: CircuitBreaker.Policy
    let logger: Logger
    private let breakers = NIOLockedValueBox<[Key: CircuitBreaker]>([:])

    init(settings: BreakerSettings, logger: Logger) {
        policy = CircuitBreaker.Policy(
            consecutiveFailures: settings.consecutiveFailures, errorRate: settings.errorRate,
            window: Self.milliseconds(settings.window), minimumCalls: settings.minimumCalls, cooldown: Self.milliseconds(settings.cooldown))
        self.logger = logger
        for provider in Connection.Provider.allCases { Self.gauge(provider).record(CircuitBreaker.Phase.closed.rawValue) }
    }

    /// Whether a delivery through `connection` may call its provider now.
    func decide(_ connection: Connection, now: Int64) -> CircuitBreaker.Decision {
        update(connection) { $0.decide(now: now) }
    }

    /// Counts how a call through `connection`'s provider ended.
    func record(_ result: CircuitBreaker.Result, for connection: Connection, now: Int64) {
        update(connection) { $0.record(result, now: now) }
    }

    /// The phase of `connection`'s breaker (closed when it has none yet).
    func phase(of connection: Connection) -> CircuitBreaker.Phase {
        breakers.withLockedValue { $0[Key(connection: connection.id, provider: connection.provider)]?.phase ?? .closed }
    }

    /// Runs `change` on the connection's breaker; a change of phase is logged and updates the gauge.
    private func update<T>(_ connection: Connection, _ change: (inout CircuitBreaker) -> T) -> T {
        let key = Key(connection: connection.id, provider: connection.provider)
        let (value, before, after) = breakers.withLockedValue { breakers in
            var breaker = breakers[key] ?? CircuitBreaker(policy: policy)
            let before = breaker.phase
            let value = change(&breaker)
            breakers[key] = breaker
            // The provider's gauge changes only when one of its breakers changes phase, under the
            // lock so that two transitions cannot record their values out of order.
            if before != breaker.phase {
                let worst = breakers.filter { $0.key.provider == key.provider }.map(\.value.phase).max() ?? .closed
                Self.gauge(key.provider).record(worst.rawValue)
            }
            return (value, before, breaker.phase)
        }
        if before != after {
            let metadata: Logger.Metadata = [
                "connection": "\(connection.id.uuidString.lowercased())", "provider": "\(key.provider.rawValue)", "from": "\(before.name)",
                "to": "\(after.name)",
            ]
            if after == .open {
                logger.warning("circuit breaker opened", metadata: metadata)
            } else {
                logger.notice("circuit breaker \(after == .closed ? "closed" : "half-open")", metadata: metadata)
            }
        }
        return value
    }

    static func gauge(_ provider: Connection.Provider) -> Gauge {
        Gauge(label: "passwordless_breaker_state", dimensions: [("provider", provider.rawValue)])
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
