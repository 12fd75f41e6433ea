import Foundation
import RedisClient

/// How deep the delivery queue is, over all partitions (and what is left of the previous
/// release's single list), for operators (`passwordless-admin queue stats`) and for the
/// dispatcher's Prometheus gauges.
public struct QueueStats: Sendable, Equatable, Codable {
    public var pending: Int
    /// Jobs in processing lists, all workers together.
    public var processing: Int
    public var scheduled: Int
    public var dead: Int
    /// Age of the job that has waited longest in pending; 0 when pending is empty.
    public var oldestPendingAgeSeconds: Double
    /// Jobs in each registered worker's processing lists, and whether its heartbeat is alive.
    public var workers: [Worker]
    /// Each partition's numbers, by index.
    public var partitions: [Partition]
    /// The tenants with the most pending jobs, deepest first (at most ``busiestTenantCount``).
    public var busiestTenants: [TenantDepth]
    /// Pending jobs of every other tenant together (and of the previous release's list).
    public var otherTenantsPending: Int
    /// What the previous release's single list still holds (zero once drained).
    public var legacy: Legacy

    /// How many tenants ``busiestTenants`` names: the label set of
    /// `passwordless_queue_tenant_pending` stays this size (plus `other`).
    public static let busiestTenantCount = 10
    /// Deepest tenants each partition reports; a tenant deep overall but outside this many in
    /// every partition counts as "other".
    static let tenantsPerPartition = 50

    public struct Worker: Sendable, Equatable, Codable {
        public var id: String
        public var processing: Int
        public var alive: Bool
    }

    public struct Partition: Sendable, Equatable, Codable {
        public var index: Int
        public var pending: Int
        public var processing: Int
        public var scheduled: Int
        public var dead: Int
        /// Tenants with work in this partition (the length of its turn ring).
        public var tenants: Int
    }

    public struct TenantDepth: Sendable, Equatable, Codable {
        /// The tenant's id (lower-case UUID; `malformed` for entries that are not jobs).
        public var tenant: String
        public var pending: Int
    }

    public struct Legacy: Sendable, Equatable, Codable {
        public var pending = 0
        public var processing = 0
        public var scheduled = 0
        public var dead = 0

        public var isEmpty: Bool { pending + processing + scheduled + dead == 0 }
    }

    enum CodingKeys: String, CodingKey {
        case pending, processing, scheduled, dead, workers, partitions, legacy
        case oldestPendingAgeSeconds = "oldest_pending_age_seconds"
        case busiestTenants = "busiest_tenants"
        case otherTenantsPending = "other_tenants_pending"
    }

    static func command(_ partition: QueuePartition) -> RedisCommand {
        .evalsha(
            QueueScripts.stats, keys: [partition.ready, partition.scheduled, partition.dead, partition.workers],
            arguments: [partition.tenantPrefix, partition.processingPrefix, partition.heartbeatPrefix, tenantsPerPartition])
    }

    /// Reads the numbers: one script per partition and the old list's lengths in one round trip,
    /// and a second only while old workers hold jobs.
    public static func read(from redis: RedisClient, layout: QueueLayout, now: Date = Date()) async throws(RedisError) -> QueueStats {
        typealias Old = RedisKeys.Queue.Legacy
        var commands = layout.partitions.map(command)
        commands += [
            RedisCommand("LLEN", Old.pending), RedisCommand("ZCARD", Old.scheduled), RedisCommand("LLEN", Old.dead),
            RedisCommand("SMEMBERS", Old.workers), RedisCommand("LINDEX", Old.pending, -1),
        ]
        let replies = try await redis.pipeline(commands)
        for reply in replies { _ = try reply.throwingServerError() }

        var stats = QueueStats(
            pending: 0, processing: 0, scheduled: 0, dead: 0, oldestPendingAgeSeconds: 0, workers: [], partitions: [],
            busiestTenants: [], otherTenantsPending: 0, legacy: Legacy())
        var oldest: Int64?
        var depths: [String: Int] = [:]
        var workers: [String: Worker] = [:]
        for (partition, reply) in zip(layout.partitions, replies) {
            guard let parts = reply.array, parts.count == 7 else { throw .unexpectedReply("queue stats script: \(reply)") }
            let int = { (index: Int) in Int(parts[index].int ?? 0) }
            var numbers = Partition(
                index: partition.index, pending: int(0), processing: 0, scheduled: int(1), dead: int(2), tenants: int(4))
            if int(3) > 0 { oldest = min(oldest ?? Int64(int(3)), Int64(int(3))) }
            let top = parts[5].array ?? []
            for pair in stride(from: 0, to: top.count - 1, by: 2) {
                if let tenant = top[pair].string { depths[tenant, default: 0] += Int(top[pair + 1].int ?? 0) }
            }
            let registered = parts[6].array ?? []
            for triple in stride(from: 0, to: registered.count - 2, by: 3) {
                guard let id = registered[triple].string else { continue }
                let held = Int(registered[triple + 1].int ?? 0)
                numbers.processing += held
                var worker = workers[id] ?? Worker(id: id, processing: 0, alive: false)
                worker.processing += held
                worker.alive = worker.alive || registered[triple + 2].int == 1
                workers[id] = worker
            }
            stats.partitions.append(numbers)
        }

        let old = replies[layout.count...].map { $0 }
        stats.legacy = Legacy(pending: Int(old[0].int ?? 0), scheduled: Int(old[1].int ?? 0), dead: Int(old[2].int ?? 0))
        let oldWorkers = (old[3].array ?? []).compactMap(\.string).sorted()
        if !oldWorkers.isEmpty {
            let counts = try await redis.pipeline(
                oldWorkers.flatMap {
                    [RedisCommand("LLEN", Old.processing(worker: $0)), RedisCommand("EXISTS", Old.heartbeat(worker: $0))]
                })
            for (index, id) in oldWorkers.enumerated() {
                let held = Int(counts[2 * index].int ?? 0)
                stats.legacy.processing += held
                var worker = workers[id] ?? Worker(id: id, processing: 0, alive: false)
                worker.processing += held
                worker.alive = worker.alive || counts[2 * index + 1].int == 1
                workers[id] = worker
            }
        }
        if let bytes = old[4].bytes, let job = try? SendJob.decode(bytes) { oldest = min(oldest ?? job.createdAt, job.createdAt) }

        stats.pending = stats.partitions.reduce(stats.legacy.pending) { $0 + $1.pending }
        stats.processing = stats.partitions.reduce(stats.legacy.processing) { $0 + $1.processing }
        stats.scheduled = stats.partitions.reduce(stats.legacy.scheduled) { $0 + $1.scheduled }
        stats.dead = stats.partitions.reduce(stats.legacy.dead) { $0 + $1.dead }
        if let oldest { stats.oldestPendingAgeSeconds = max(0, now.timeIntervalSince(Date(millisecondsSince1970: oldest))) }
        stats.workers = workers.values.sorted { $0.id < $1.id }
        stats.busiestTenants = depths.map { TenantDepth(tenant: $0.key, pending: $0.value) }
            .sorted { ($0.pending, $1.tenant) > ($1.pending, $0.tenant) }.prefix(busiestTenantCount).map { $0 }
        stats.otherTenantsPending = max(0, stats.pending - stats.busiestTenants.reduce(0) { $0 + $1.pending })
        return stats
    }
}
