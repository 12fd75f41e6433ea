import Foundation
import RedisClient

/// The Redis side of delivery: a reliable queue with a processing list per worker, a retry
/// schedule and a capped dead-letter list (ARCHITECTURE.md, "Queue protocol").
///
/// Every move between lists is atomic (`BLMOVE`, or a Lua script over keys that share the
/// `{queue}` hash tag), so a job is always in exactly one place. Settling starts by removing the
/// job from the worker's processing list, and does nothing more when it is no longer there
/// (the worker handed it back at shutdown, or a reaper took it): whoever removes a job owns it.
public struct DeliveryQueue: Sendable {
    /// Dead letters kept, newest first.
    public static let deadLetterCap = 10_000

    let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    /// The command that puts `job` at the back of the pending list. It is a command rather than a
    /// call so that the gateway sends it in the same pipeline as the code it delivers: the code
    /// and its job are stored together, or neither is.
    public static func enqueue(_ job: SendJob) -> RedisCommand {
        RedisCommand("LPUSH", RedisKeys.Queue.pending, job.encoded())
    }

    /// Waits up to `timeout` for the oldest pending job and moves it into `worker`'s processing list.
    public func take(worker: String, using connection: RedisBlockingConnection, timeout: Duration) async throws(RedisError) -> [UInt8]? {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let reply = try await connection.send(
            RedisCommand("BLMOVE", RedisKeys.Queue.pending, RedisKeys.Queue.processing(worker: worker), "RIGHT", "LEFT", seconds),
            blockFor: timeout)
        return reply.bytes
    }

    /// Moves up to `count` pending jobs (oldest first) into `worker`'s processing list without
    /// waiting, in one round trip: each `LMOVE` is atomic, so every job is in exactly one list.
    /// Empty when nothing is pending.
    public func takeAvailable(_ count: Int, worker: String) async throws(RedisError) -> [[UInt8]] {
        guard count > 0 else { return [] }
        let move = RedisCommand("LMOVE", RedisKeys.Queue.pending, RedisKeys.Queue.processing(worker: worker), "RIGHT", "LEFT")
        return try await redis.pipeline(Array(repeating: move, count: count)).compactMap(\.bytes)
    }

    /// The job was delivered: it leaves the processing list. Returns whether it was still there.
    @discardableResult
    public func complete(_ raw: [UInt8], worker: String) async throws(RedisError) -> Bool {
        try await redis.send(RedisCommand("LREM", RedisKeys.Queue.processing(worker: worker), 1, raw)).int == 1
    }

    /// Moves the job from processing to the retry schedule, as `updated`, due at `due` (ms).
    public func scheduleRetry(_ raw: [UInt8], updated: [UInt8], due: Int64, worker: String) async throws(RedisError) {
        try await redis.eval(
            Self.moveToScheduleScript, keys: [RedisKeys.Queue.processing(worker: worker), RedisKeys.Queue.scheduled],
            arguments: [raw, updated, due])
    }

    /// Moves the job from processing to the dead letters, as `entry`.
    public func deadLetter(_ raw: [UInt8], entry: [UInt8], worker: String) async throws(RedisError) {
        try await redis.eval(
            Self.moveToDeadScript, keys: [RedisKeys.Queue.processing(worker: worker), RedisKeys.Queue.dead],
            arguments: [raw, entry, Self.deadLetterCap])
    }

    /// Moves up to `limit` retries that are due by Redis' clock back to pending; returns how many.
    @discardableResult
    public func promoteDueRetries(limit: Int = 500) async throws(RedisError) -> Int {
        let reply = try await redis.eval(
            Self.promoteScript, keys: [RedisKeys.Queue.scheduled, RedisKeys.Queue.pending], arguments: [limit])
        return Int(reply.int ?? 0)
    }

    static let moveToScheduleScript = RedisScript(
        """
        if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
        return 1
        """)

    static let moveToDeadScript = RedisScript(
        """
        if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
        redis.call('LPUSH', KEYS[2], ARGV[2])
        redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
        return 1
        """)

    static let promoteScript = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
        for _, job in ipairs(due) do
            redis.call('ZREM', KEYS[1], job)
            redis.call('LPUSH', KEYS[2], job)
        end
        return #due
        """)
}
