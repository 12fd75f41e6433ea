import Foundation
import RedisClient

/// The Redis side of delivery: a reliable queue in ``QueueLayout/partitions``, each with a list
/// per tenant taken in turns, a processing list per worker, a retry schedule and capped dead
/// letters (ARCHITECTURE.md, "Queue protocol" and "Redis deployments"; keys in ``QueuePartition``).
///
/// Every move between lists is atomic (a Lua script over the keys of one partition, which share
/// its hash tag), so a job is always in exactly one place. Settling starts by removing the job
/// from the worker's processing list, and does nothing more when it is no longer there (the
/// worker handed it back at shutdown, or a reaper took it): whoever removes a job owns it.
public struct DeliveryQueue: Sendable {
    /// Dead letters kept over all partitions, newest first (each keeps its share).
    public static let deadLetterCap = 10_000

    public let redis: RedisClient
    public let layout: QueueLayout

    public init(redis: RedisClient, layout: QueueLayout) {
        self.redis = redis
        self.layout = layout
    }

    /// Dead letters one partition keeps: its share of ``deadLetterCap`` (jobs spread evenly).
    public var deadLetterCapPerPartition: Int { max(100, (Self.deadLetterCap + layout.count - 1) / layout.count) }

    // MARK: Enqueue

    /// The one command that queues `job` in its partition, behind its tenant's earlier jobs, and
    /// wakes a dispatcher. A command rather than a call so that the gateway sends it in the same
    /// pipeline as the code it delivers: the code and its job are stored together, or neither is.
    public static func enqueue(_ job: SendJob, layout: QueueLayout) -> RedisCommand {
        enqueue(job.encoded(), tenant: job.tenantKey, into: layout.partition(forJobID: job.id))
    }

    /// Queues raw job bytes for `tenant` in `partition`.
    public static func enqueue(_ raw: [UInt8], tenant: String, into partition: QueuePartition) -> RedisCommand {
        .evalsha(
            QueueScripts.enqueue, keys: [partition.ready, partition.tenant(tenant), partition.wake],
            arguments: [tenant, raw, QueueScripts.wakeTokens])
    }

    // MARK: Take

    static func takeCommand(_ count: Int, from partition: QueuePartition, worker: String) -> RedisCommand {
        .evalsha(
            QueueScripts.take, keys: [partition.ready, partition.processing(worker: worker), partition.wake],
            arguments: [partition.tenantPrefix, count, QueueScripts.wakeTokens])
    }

    /// Moves up to `count` jobs of `partition`, one per tenant turn, into `worker`'s processing
    /// list, in one call; empty when nothing is pending there.
    public func take(_ count: Int, from partition: QueuePartition, worker: String) async throws(RedisError) -> [[UInt8]] {
        guard count > 0 else { return [] }
        let reply = try await redis.send(Self.takeCommand(count, from: partition, worker: worker))
        return reply.array?.compactMap(\.bytes) ?? []
    }

    /// Waits up to `timeout` for a wake token of `partition` (work arrived); true when one came.
    /// On a connection of its own: it blocks on the server.
    public func waitForWork(
        in partition: QueuePartition, using connection: RedisBlockingConnection, timeout: Duration
    ) async throws(RedisError) -> Bool {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let reply = try await connection.send(RedisCommand("BLPOP", partition.wake, seconds), blockFor: timeout)
        return reply.array != nil
    }

    /// Leaves a wake token in `partition`, for a dispatcher that can take the work when this one
    /// cannot.
    public func wake(_ partition: QueuePartition) async throws(RedisError) {
        for reply in try await redis.pipeline([
            RedisCommand("LPUSH", partition.wake, "1"), RedisCommand("LTRIM", partition.wake, 0, QueueScripts.wakeTokens - 1),
        ]) {
            _ = try reply.throwingServerError()
        }
    }

    // MARK: Settle

    /// The job was delivered: it leaves the processing list. Returns whether it was still there.
    @discardableResult
    public func complete(_ job: TakenJob, worker: String) async throws(RedisError) -> Bool {
        try await redis.send(RedisCommand("LREM", job.partition.processing(worker: worker), 1, job.raw)).int == 1
    }

    static func scheduleRetryCommand(_ job: TakenJob, updated: [UInt8], due: Int64, worker: String) -> RedisCommand {
        .evalsha(
            QueueScripts.moveToSchedule, keys: [job.partition.processing(worker: worker), job.partition.scheduled],
            arguments: [job.raw, updated, due])
    }

    /// Moves the job from processing to its partition's schedule (a retry, or a job the send rate
    /// postponed), as `updated`, due at `due` (ms).
    public func scheduleRetry(_ job: TakenJob, updated: [UInt8], due: Int64, worker: String) async throws(RedisError) {
        try await redis.send(Self.scheduleRetryCommand(job, updated: updated, due: due, worker: worker))
    }

    static func deadLetterCommand(_ job: TakenJob, entry: [UInt8], worker: String, cap: Int) -> RedisCommand {
        .evalsha(
            QueueScripts.moveToDead, keys: [job.partition.processing(worker: worker), job.partition.dead],
            arguments: [job.raw, entry, cap])
    }

    /// Moves the job from processing to its partition's dead letters, as `entry`.
    public func deadLetter(_ job: TakenJob, entry: [UInt8], worker: String) async throws(RedisError) {
        try await redis.send(Self.deadLetterCommand(job, entry: entry, worker: worker, cap: deadLetterCapPerPartition))
    }

    // MARK: Retries

    static func promoteCommand(_ partition: QueuePartition, limit: Int) -> RedisCommand {
        .evalsha(
            QueueScripts.promote, keys: [partition.scheduled, partition.ready, partition.wake],
            arguments: [limit, partition.tenantPrefix, QueueScripts.wakeTokens])
    }

    /// Moves up to `limit` retries per partition that are due by Redis' clock back to their
    /// tenants' lists, every partition in one round trip; returns how many.
    @discardableResult
    public func promoteDueRetries(limit: Int = 500) async throws(RedisError) -> Int {
        try await sum(layout.partitions.map { Self.promoteCommand($0, limit: limit) })
    }

    // MARK: One tenant

    /// `tenant`'s pending jobs in every partition (each partition's oldest first).
    public func pending(tenant: UUID) async throws(RedisError) -> [[UInt8]] {
        let key = tenant.uuidString.lowercased()
        let replies = try await redis.pipeline(layout.partitions.map { RedisCommand("LRANGE", $0.tenant(key), 0, -1) })
        var jobs: [[UInt8]] = []
        for reply in replies { jobs += (try reply.throwingServerError().array ?? []).compactMap(\.bytes).reversed() }
        return jobs
    }

    /// Drops every pending job of `tenant`; returns how many there were.
    @discardableResult
    public func discardPending(tenant: UUID) async throws(RedisError) -> Int {
        let key = tenant.uuidString.lowercased()
        return try await sum(layout.partitions.map { Self.discardCommand(tenant: key, in: $0) })
    }

    static func discardCommand(tenant: String, in partition: QueuePartition) -> RedisCommand {
        .evalsha(QueueScripts.discardTenant, keys: [partition.ready, partition.tenant(tenant)], arguments: [tenant])
    }

    /// Sends `commands` in one round trip and adds up their integer replies; the first error
    /// reply throws.
    func sum(_ commands: [RedisCommand]) async throws(RedisError) -> Int {
        var total = 0
        for reply in try await redis.pipeline(commands) { total += Int(try reply.throwingServerError().int ?? 0) }
        return total
    }
}

extension SendJob {
    /// The tenant as queue keys carry it: the lower-case UUID.
    public var tenantKey: String { tenantID.uuidString.lowercased() }
}
