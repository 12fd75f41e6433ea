import Foundation
import RedisClient

/// The liveness side of the reliable queue: heartbeats, reaping dead workers' jobs, and handing
/// a stopping worker's jobs back.
extension DeliveryQueue {
    /// Marks `worker` alive for `ttl` and registers it, in one round trip.
    public func heartbeat(worker: String, ttl: Duration) async throws(RedisError) {
        let milliseconds = ttl.components.seconds * 1000 + ttl.components.attoseconds / 1_000_000_000_000_000
        for reply in try await redis.pipeline([
            RedisCommand("SET", RedisKeys.Queue.heartbeat(worker: worker), Date().millisecondsSince1970, "PX", milliseconds),
            RedisCommand("SADD", RedisKeys.Queue.workers, worker),
        ]) {
            _ = try reply.throwingServerError()
        }
    }

    /// Returns the jobs of every registered worker whose heartbeat expired to pending (to the end
    /// that is taken next), and forgets those workers. Atomic: two reapers never move a job twice.
    @discardableResult
    public func reapDeadWorkers() async throws(RedisError) -> Int {
        let reply = try await redis.eval(
            Self.reapScript, keys: [RedisKeys.Queue.workers, RedisKeys.Queue.pending],
            arguments: [RedisKeys.Queue.processingPrefix, RedisKeys.Queue.heartbeatPrefix])
        return Int(reply.int ?? 0)
    }

    /// Hands everything in `worker`'s processing list back to pending and forgets the worker
    /// (a graceful stop). Returns how many jobs went back.
    @discardableResult
    public func release(worker: String) async throws(RedisError) -> Int {
        let reply = try await redis.eval(
            Self.releaseScript,
            keys: [
                RedisKeys.Queue.workers, RedisKeys.Queue.pending, RedisKeys.Queue.processing(worker: worker),
                RedisKeys.Queue.heartbeat(worker: worker),
            ],
            arguments: [worker])
        return Int(reply.int ?? 0)
    }

    /// The jobs in `worker`'s processing list.
    public func processing(worker: String) async throws(RedisError) -> [[UInt8]] {
        try await redis.send(RedisCommand("LRANGE", RedisKeys.Queue.processing(worker: worker), 0, -1)).array?.compactMap(\.bytes) ?? []
    }

    /// Moves one job from `worker`'s processing list back to the front of pending, if it is still
    /// there. For jobs the worker does not hold: a `BLMOVE` whose reply was lost (Redis died
    /// between moving the job and answering) leaves such an orphan behind a live heartbeat.
    @discardableResult
    public func returnOrphan(_ raw: [UInt8], worker: String) async throws(RedisError) -> Bool {
        try await redis.eval(
            Self.returnOrphanScript, keys: [RedisKeys.Queue.processing(worker: worker), RedisKeys.Queue.pending], arguments: [raw]
        ).int == 1
    }

    static let returnOrphanScript = RedisScript(
        """
        if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
        redis.call('RPUSH', KEYS[2], ARGV[1])
        return 1
        """)

    // Processing lists are filled at their left end, so their right end holds the oldest job;
    // moving LEFT→RIGHT puts the oldest at pending's right end, which BLMOVE takes first.
    static let reapScript = RedisScript(
        """
        local moved = 0
        for _, worker in ipairs(redis.call('SMEMBERS', KEYS[1])) do
            if redis.call('EXISTS', ARGV[2] .. worker) == 0 then
                local processing = ARGV[1] .. worker
                while redis.call('LMOVE', processing, KEYS[2], 'LEFT', 'RIGHT') do
                    moved = moved + 1
                end
                redis.call('SREM', KEYS[1], worker)
            end
        end
        return moved
        """)

    static let releaseScript = RedisScript(
        """
        local moved = 0
        while redis.call('LMOVE', KEYS[3], KEYS[2], 'LEFT', 'RIGHT') do
            moved = moved + 1
        end
        redis.call('DEL', KEYS[4])
        redis.call('SREM', KEYS[1], ARGV[1])
        return moved
        """)
}
