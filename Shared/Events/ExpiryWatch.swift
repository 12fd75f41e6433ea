import Foundation
import JobQueue
import PasswordlessCore
import RedisClient

/// Codes whose unused end a tenant wants to hear about (`verification.expired`), in Redis.
///
/// Per queue partition (its hash tag, so it works on a Redis Cluster), a sorted set scored by
/// the code's expiry (ms) and a hash with each member's event data. A member is
/// `<connection id>:<recipient tag>` — opaque: the tag is a keyed HMAC, never the code or the
/// recipient — so a new code for the same person moves the entry and an approval removes it.
///
/// ```
/// pl:{queue:N}:expiring        member → expiry (ms); a claimed member → the end of its lease
/// pl:{queue:N}:expiring:data   member → {"tenant","data"} of the event to emit
/// ```
///
/// The sweeper claims due members atomically (one script per partition moves their score a
/// lease ahead), emits their events, then removes exactly what it claimed; a sweeper that dies
/// in between leaves them to be claimed again when the lease ends (at least once).
public enum ExpiryWatch {
    /// How long a claim holds a member before another sweeper may take it.
    public static let lease: Int64 = 30_000
    /// Members one sweep claims per partition.
    public static let batch = 200

    /// What the hash keeps for a member.
    public struct Entry: Codable, Sendable, Equatable {
        public var tenant: UUID
        public var data: EventData

        public init(tenant: UUID, data: EventData) {
            self.tenant = tenant
            self.data = data
        }
    }

    /// A claimed member: its entry (nil if the hash lost it) and the lease score it was claimed with.
    public struct Claim: Sendable {
        public var partition: QueuePartition
        public var member: String
        public var entry: Entry?
        public var lease: Int64
    }

    public static func member(connection: UUID, tag: String) -> String { "\(connection.uuidString.lowercased()):\(tag)" }

    static func keys(_ partition: QueuePartition) -> (set: String, data: String) {
        ("pl:{\(partition.hashTag)}:expiring", "pl:{\(partition.hashTag)}:expiring:data")
    }

    /// Watches `member` until `expiresAt` (ms), replacing an earlier watch of it.
    public static func watch(_ member: String, until expiresAt: Int64, entry: Entry, layout: QueueLayout) -> [RedisCommand] {
        let (set, data) = keys(layout.partition(forBytes: Array(member.utf8)))
        let json = (try? JSONEncoder().encode(entry)).map { Array($0) } ?? []
        return [RedisCommand("ZADD", set, expiresAt, member), RedisCommand("HSET", data, member, json)]
    }

    /// Stops watching `member` (its code was used up).
    public static func unwatch(_ member: String, layout: QueueLayout) -> [RedisCommand] {
        let (set, data) = keys(layout.partition(forBytes: Array(member.utf8)))
        return [RedisCommand("ZREM", set, member), RedisCommand("HDEL", data, member)]
    }

    /// Claims the due members of every partition, in one round trip.
    public static func claimDue(redis: RedisClient, layout: QueueLayout) async throws(RedisError) -> [Claim] {
        let commands = layout.partitions.map { partition in
            let (set, data) = keys(partition)
            return RedisCommand.evalsha(claimScript, keys: [set, data], arguments: [lease, batch])
        }
        var claims: [Claim] = []
        for (partition, reply) in zip(layout.partitions, try await redis.pipeline(commands)) {
            let parts = try reply.throwingServerError().array ?? []
            guard parts.count % 3 == 0 else { throw .unexpectedReply("expiry claim script: \(parts.count) values") }
            for index in stride(from: 0, to: parts.count, by: 3) {
                guard let member = parts[index].string, let lease = parts[index + 2].string.flatMap({ Int64($0) }) else { continue }
                let entry = parts[index + 1].bytes.flatMap { try? JSONDecoder().decode(Entry.self, from: Data($0)) }
                claims.append(Claim(partition: partition, member: member, entry: entry, lease: lease))
            }
        }
        return claims
    }

    /// Removes claimed members whose score is still their lease (a member watched again since
    /// then keeps its new watch).
    public static func release(_ claims: [Claim], redis: RedisClient) async throws(RedisError) {
        guard !claims.isEmpty else { return }
        let commands = claims.map { claim in
            let (set, data) = keys(claim.partition)
            return RedisCommand.evalsha(releaseScript, keys: [set, data], arguments: [claim.member, claim.lease])
        }
        for reply in try await redis.pipeline(commands) { _ = try reply.throwingServerError() }
    }

    /// KEYS: set, data; ARGV: lease (ms), batch. Returns member, data, lease score triples.
    static let claimScript = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
        local out = {}
        local lease_end = now + tonumber(ARGV[1])
        for _, member in ipairs(due) do
            redis.call('ZADD', KEYS[1], lease_end, member)
            table.insert(out, member)
            table.insert(out, redis.call('HGET', KEYS[2], member) or '')
            table.insert(out, tostring(lease_end))
        end
        return out
        """)

    /// KEYS: set, data; ARGV: member, lease score.
    static let releaseScript = RedisScript(
        """
        local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if score and tonumber(score) == tonumber(ARGV[2]) then
            redis.call('ZREM', KEYS[1], ARGV[1])
            redis.call('HDEL', KEYS[2], ARGV[1])
            return 1
        end
        return 0
        """)
}
