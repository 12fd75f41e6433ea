import Events
import Foundation
import Logging
import NIOConcurrencyHelpers
import RedisClient
import ServiceLifecycle

/// The recent-deliveries entries (``DeliveryLog``) this dispatcher has not written yet, written
/// every ``interval`` in one pipelined round trip — one `LPUSH` of each tenant's entries and one
/// `LTRIM` — so that recording a delivery costs it no Redis round trip of its own.
///
/// The list is a recent view, not a ledger: a crash loses at most the last ``interval`` of it,
/// and entries that Redis refuses are dropped with a warning rather than kept (the buffer stays
/// small while Redis is away). The hook events that tenants rely on are not buffered.
struct DeliveryLogBuffer: Service, CustomStringConvertible {
    static let interval = Duration.milliseconds(250)
    let redis: RedisClient
    let logger: Logger
    /// Entries by tenant, oldest first.
    private let pending = NIOLockedValueBox<[UUID: [DeliveryLog.Entry]]>([:])

    init(redis: RedisClient, logger: Logger) {
        self.redis = redis
        self.logger = logger
    }

    var description: String { "DeliveryLogBuffer(every \(Self.interval))" }

    func add(_ entry: DeliveryLog.Entry, tenant: UUID) {
        pending.withLockedValue { $0[tenant, default: []].append(entry) }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.interval)
                await flush()
            }
        }
        // The deliveries of the last moments, once the worker has stopped.
        await flush()
    }

    /// Writes what is buffered, in one pipeline.
    func flush() async {
        let batch = pending.withLockedValue { pending in
            defer { pending = [:] }
            return pending
        }
        guard !batch.isEmpty else { return }
        let commands = batch.flatMap { tenant, entries in DeliveryLog.record(Array(entries.suffix(DeliveryLog.cap)), tenant: tenant) }
        do {
            for reply in try await redis.pipeline(commands) { _ = try reply.throwingServerError() }
        } catch {
            let count = batch.values.reduce(0) { $0 + $1.count }
            logger.warning("cannot record recent deliveries", metadata: ["entries": "\(count)", "error": "\(error)"])
        }
    }
}
