import Delivery
import Foundation
import JobQueue
import PasswordlessCore
import TenantDirectory

/// Chooses the connection that delivers a job: its own, unless that connection's circuit breaker
/// is open and its fallback (`--fallback-connection`, same tenant and strategy) is fit to take
/// it. The job keeps its `connectionID` (the code is bound to it); only the provider, settings,
/// credentials, sender and templates are the fallback's.
///
/// Without a usable fallback (none, deleted, or its own breaker open) the breaker holds nothing
/// back: the job tries its own provider on its usual backoff, as before failover existed.
/// Fallbacks are not chained: a fallback's fallback is never used for another connection's job.
struct Failover: Sendable {
    let directory: Directory
    let breakers: BreakerBoard
    let metrics: DispatcherMetrics

    func route(for connection: Connection, now: Int64) async -> DeliveryRoute {
        let own = DeliveryRoute(connection: connection, failedOverFrom: nil, breakers: breakers)
        guard breakers.decide(connection, now: now) == .refuse, let fallbackID = connection.fallbackConnectionID,
            let fallback = try? await directory.connection(id: fallbackID), fallback.tenantID == connection.tenantID,
            fallback.strategy == connection.strategy, fallback.id != connection.id, breakers.decide(fallback, now: now) != .refuse
        else { return own }
        metrics.failedOver(provider: connection.provider.rawValue)
        // The message says how long the job's code lives, not the fallback's.
        var delivering = fallback
        delivering.codeTTLSeconds = connection.codeTTLSeconds
        return DeliveryRoute(connection: delivering, failedOverFrom: connection, breakers: breakers)
    }
}

/// The connection a delivery goes through, and the breaker that counts its provider's answer.
struct DeliveryRoute: Sendable {
    /// Whose provider, settings, credentials, sender and templates deliver the job.
    let connection: Connection
    /// The job's own connection when ``connection`` is its fallback.
    let failedOverFrom: Connection?
    let breakers: BreakerBoard

    /// Calls the provider through `deliver` and counts how it ended in ``connection``'s breaker.
    func call(_ deliver: () async throws(DeliveryError) -> String?) async throws(DeliveryError) -> String? {
        do {
            let id = try await deliver()
            breakers.record(.answered, for: connection, now: Date().millisecondsSince1970)
            return id
        } catch {
            let transient = if case .transient = error { true } else { false }
            breakers.record(transient ? .failedTransiently : .answered, for: connection, now: Date().millisecondsSince1970)
            throw error
        }
    }
}
