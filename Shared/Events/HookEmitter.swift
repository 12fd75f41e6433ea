import Foundation
import JobQueue
import Logging
import PasswordlessCore
import RedisClient
import TenantDirectory

/// Turns "this happened" into one queued job per hook of the tenant that subscribes to it.
///
/// The tenant's hooks come from the directory's cache, so for a tenant without a hook for the
/// event nothing else happens. Emitting never fails its caller: a failure is logged and the
/// caller goes on; an event that was emitted is durable (a job in the delivery queue, retried
/// and dead-lettered like a message).
public struct HookEmitter: Sendable {
    let directory: Directory
    let redis: RedisClient
    let layout: QueueLayout
    let logger: Logger

    public init(directory: Directory, redis: RedisClient, layout: QueueLayout, logger: Logger) {
        self.directory = directory
        self.redis = redis
        self.layout = layout
        self.logger = logger
    }

    /// Emits an event of `type` for `tenantID`'s hooks that want it.
    public func emit(_ type: HookEventType, tenantID: UUID, data: EventData) async {
        do {
            let commands = try await commands(type, tenantID: tenantID, data: data)
            guard !commands.isEmpty else { return }
            try await send(commands)
        } catch {
            logger.warning("cannot emit a hook event", metadata: ["type": "\(type.rawValue)", "error": "\(error)"])
        }
    }

    /// The commands that queue the event for every subscribed hook (empty when none is), for a
    /// caller that sends them in a pipeline of its own. Counts them as emitted.
    public func commands(_ type: HookEventType, tenantID: UUID, data: EventData) async throws -> [RedisCommand] {
        let hooks = try await directory.hooks(tenantID: tenantID).filter { $0.subscribes(to: type) }
        guard !hooks.isEmpty else { return [] }
        let body = EventBody(type: type, tenant: tenantID, data: data)
        let text = body.encoded()
        EventMetrics.count(type, .emitted, by: hooks.count)
        return hooks.map { hook in
            let job = SendJob.posting(HookEventJob(hookID: hook.id, eventID: body.id, type: type, body: text), tenantID: tenantID)
            return DeliveryQueue.enqueue(job, layout: layout)
        }
    }

    /// Whether the tenant has a hook for `type` (from the cache).
    public func wants(_ type: HookEventType, tenantID: UUID) async throws -> Bool {
        try await directory.hooks(tenantID: tenantID).contains { $0.subscribes(to: type) }
    }

    /// Sends `commands` in one round trip (after making sure the queue's partition count is the
    /// one in Redis, as every producer of jobs must); the first error reply throws.
    public func send(_ commands: [RedisCommand]) async throws {
        if !layout.isVerified { try await layout.verify(using: redis) }
        for reply in try await redis.pipeline(commands) { _ = try reply.throwingServerError() }
    }
}
