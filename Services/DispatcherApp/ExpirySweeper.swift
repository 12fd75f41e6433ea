import Events
import Foundation
import JobQueue
import Logging
import RedisClient
import ServiceLifecycle

/// Turns codes that ended unused into `verification.expired` events, every ``interval``: it
/// claims the due members of the expiry watch (``ExpiryWatch``, atomically, so several
/// dispatchers never report one code twice), emits their events, then releases its claim.
struct ExpirySweeper: Service, CustomStringConvertible {
    let redis: RedisClient
    let layout: QueueLayout
    let emitter: HookEmitter
    let logger: Logger
    /// Short enough that an expiry is reported well within a minute; one pipelined round trip
    /// over the partitions each time.
    static let interval = Duration.seconds(5)

    var description: String { "ExpirySweeper(every \(Self.interval))" }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await sweep()
                } catch {
                    logger.warning("cannot sweep expired codes", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: Self.interval)
            }
        }
    }

    /// One sweep; returns how many expiries it reported.
    @discardableResult
    func sweep() async throws -> Int {
        let claims = try await ExpiryWatch.claimDue(redis: redis, layout: layout)
        guard !claims.isEmpty else { return 0 }
        var commands: [RedisCommand] = []
        for claim in claims {
            guard let entry = claim.entry else { continue }
            commands += try await emitter.commands(.verificationExpired, tenantID: entry.tenant, data: entry.data)
        }
        if !commands.isEmpty { try await emitter.send(commands) }
        try await ExpiryWatch.release(claims, redis: redis)
        return claims.count
    }
}
