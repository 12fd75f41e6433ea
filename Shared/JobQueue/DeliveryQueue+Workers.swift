import Foundation
import RedisClient

/// The liveness side of the reliable queue, over every partition: heartbeats, reaping dead
/// workers' jobs, and handing a stopping worker's jobs back.
///
/// A worker's heartbeat and registration live in each partition (under its hash tag), so that a
/// reaper's check of the heartbeat and its move of the jobs are one atomic script per partition.
extension DeliveryQueue {
    /// Marks `worker` alive for `ttl` and registers it in every partition, in one round trip.
    public func heartbeat(worker: String, ttl: Duration) async throws(RedisError) {
        let milliseconds = ttl.components.seconds * 1000 + ttl.components.attoseconds / 1_000_000_000_000_000
        let now = Date().millisecondsSince1970
        let commands = layout.partitions.flatMap { partition in
            [
                RedisCommand("SET", partition.heartbeat(worker: worker), now, "PX", milliseconds),
                RedisCommand("SADD", partition.workers, worker),
            ]
        }
        for reply in try await redis.pipeline(commands) { _ = try reply.throwingServerError() }
    }

    static func reapCommand(_ partition: QueuePartition) -> RedisCommand {
        .evalsha(
            QueueScripts.reap, keys: [partition.workers, partition.ready, partition.wake],
            arguments: [partition.processingPrefix, partition.heartbeatPrefix, partition.tenantPrefix, QueueScripts.wakeTokens])
    }

    /// Gives the jobs of every registered worker whose heartbeat expired back to their tenants
    /// (at the end taken next), and forgets those workers. Atomic per partition: two reapers
    /// never move a job twice.
    @discardableResult
    public func reapDeadWorkers() async throws(RedisError) -> Int {
        try await sum(layout.partitions.map(Self.reapCommand))
    }

    static func releaseCommand(_ partition: QueuePartition, worker: String) -> RedisCommand {
        .evalsha(
            QueueScripts.release,
            keys: [
                partition.workers, partition.ready, partition.processing(worker: worker), partition.heartbeat(worker: worker),
                partition.wake,
            ],
            arguments: [worker, partition.tenantPrefix, QueueScripts.wakeTokens])
    }

    /// Hands everything in `worker`'s processing lists back and forgets the worker (a graceful
    /// stop). Returns how many jobs went back.
    @discardableResult
    public func release(worker: String) async throws(RedisError) -> Int {
        try await sum(layout.partitions.map { Self.releaseCommand($0, worker: worker) })
    }

    /// The jobs in `worker`'s processing lists.
    public func processing(worker: String) async throws(RedisError) -> [TakenJob] {
        let replies = try await redis.pipeline(layout.partitions.map { RedisCommand("LRANGE", $0.processing(worker: worker), 0, -1) })
        var jobs: [TakenJob] = []
        for (partition, reply) in zip(layout.partitions, replies) {
            jobs += (try reply.throwingServerError().array ?? []).compactMap(\.bytes).map { TakenJob(partition: partition, raw: $0) }
        }
        return jobs
    }

    static func returnOrphanCommand(_ job: TakenJob, worker: String) -> RedisCommand {
        .evalsha(
            QueueScripts.returnOrphan, keys: [job.partition.processing(worker: worker), job.partition.ready, job.partition.wake],
            arguments: [job.raw, job.partition.tenantPrefix, QueueScripts.wakeTokens])
    }

    /// Gives one job of `worker`'s processing list back to its tenant (to be taken next), if it
    /// is still there. For jobs the worker does not hold: a take whose reply was lost (Redis died
    /// between moving the jobs and answering) leaves such orphans behind a live heartbeat.
    @discardableResult
    public func returnOrphan(_ job: TakenJob, worker: String) async throws(RedisError) -> Bool {
        try await redis.send(Self.returnOrphanCommand(job, worker: worker)).int == 1
    }
}
