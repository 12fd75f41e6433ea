import Foundation
import RedisClient

/// The dead-letter list, as operators inspect and replay it.
public struct DeadLetters: Sendable {
    let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    /// The newest `limit` dead letters, with their raw entries (for exact removal).
    public func list(limit: Int = DeliveryQueue.deadLetterCap) async throws -> [(entry: DeadLetter, raw: [UInt8])] {
        let reply = try await redis.send(RedisCommand("LRANGE", RedisKeys.Queue.dead, 0, limit - 1))
        return (reply.array ?? []).compactMap { value in
            guard let bytes = value.bytes, let entry = try? JSONDecoder().decode(DeadLetter.self, from: Data(bytes)) else { return nil }
            return (entry, bytes)
        }
    }

    /// What a requeue did with one dead letter.
    public enum RequeueOutcome: Sendable, Hashable {
        case requeued
        /// The code expired: re-sending it would deliver a dead code. The entry stays.
        case expired
        /// Another operator requeued or purged it first.
        case gone
        /// Not a job that could be decoded: there is nothing to send. The entry stays.
        case malformed
    }

    /// Puts a dead job back in pending with its attempts reset, if its code is still live.
    public func requeue(_ entry: DeadLetter, raw: [UInt8], now: Date = Date()) async throws -> RequeueOutcome {
        guard var job = entry.job else { return .malformed }
        guard job.codeExpiresAt > now.millisecondsSince1970 else { return .expired }
        job.attempts = 0
        let moved = try await redis.eval(
            Self.requeueScript, keys: [RedisKeys.Queue.dead, RedisKeys.Queue.pending], arguments: [raw, job.encoded()])
        return moved.int == 1 ? .requeued : .gone
    }

    /// Empties the list; returns how many entries it held.
    @discardableResult
    public func purge() async throws -> Int {
        let replies = try await redis.pipeline([RedisCommand("LLEN", RedisKeys.Queue.dead), RedisCommand("DEL", RedisKeys.Queue.dead)])
        return Int(replies[0].int ?? 0)
    }

    static let requeueScript = RedisScript(
        """
        if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
            redis.call('RPUSH', KEYS[2], ARGV[2])
            return 1
        end
        return 0
        """)
}
