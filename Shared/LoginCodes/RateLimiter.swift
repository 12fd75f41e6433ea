import Foundation
import PasswordlessCore
import RedisClient

/// GCRA rate limits in Redis: several buckets checked (and, only if all allow, charged) by one
/// atomic script, so a refused request consumes nothing and costs one round trip. Times are in
/// microseconds (Redis' `TIME`), so even very high rates keep a non-zero emission interval.
///
/// The same script also *reserves* (``reserve(_:within:)``): a caller that may wait, such as a
/// dispatcher under a connection's send rate, is charged the next free token even when it is not
/// free yet, and told when it will be. Successive callers so get successive tokens, one emission
/// interval apart, instead of all waking at the same moment to race for one.
public struct RateLimiter: Sendable {
    /// One bucket: its key, its rate, and a fixed name for errors and metrics.
    public struct Bucket: Sendable {
        public var key: String
        public var rate: ConnectionLimits.Rate
        public var name: String

        public init(key: String, rate: ConnectionLimits.Rate, name: String) {
            self.key = key
            self.rate = rate
            self.name = name
        }
    }

    public enum Verdict: Sendable, Equatable {
        case allowed
        /// `bucket` is the name of the tightest bucket; retry after that many seconds.
        case refused(bucket: String, retryAfter: Int)
    }

    let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    /// How a reservation went.
    public enum Reservation: Sendable, Equatable {
        /// A token was free and is taken: go ahead.
        case now
        /// The token free at `at` (milliseconds since 1970, by Redis' clock) is taken for the caller.
        case reserved(at: Int64)
        /// No token is free within the allowed wait (the next one is `wait` ms away); nothing was taken.
        case refused(wait: Int64)
    }

    /// Takes a token from `bucket`, or reserves the next one if it is free within `maximumWait` ms.
    public func reserve(_ bucket: Bucket, within maximumWait: Int64) async throws(RedisError) -> Reservation {
        let reply = try await redis.send(Self.command([bucket], reservingWithin: max(0, maximumWait) * 1000))
        guard let parts = try reply.throwingServerError().array, parts.count == 4, let verdict = parts[0].int,
            let wait = parts[2].int, let now = parts[3].int
        else { throw .unexpectedReply("rate limit script: \(reply)") }
        switch verdict {
        case 1: return .now
        case 2: return .reserved(at: (now + wait + 999) / 1000)
        default: return .refused(wait: (wait + 999) / 1000)
        }
    }

    /// The script call for `buckets`, to send alone or in a pipeline with other commands.
    /// With `reservingWithin` (µs), a refusal whose wait is at most that long charges the buckets
    /// all the same and answers `{2, bucket, wait, now}`: the token then is the caller's.
    public static func command(_ buckets: [Bucket], reservingWithin: Int64? = nil) -> RedisCommand {
        var arguments: [any RedisArgument] = []
        for bucket in buckets {
            arguments.append(Int64(bucket.rate.windowSeconds) * 1_000_000 / Int64(max(1, bucket.rate.count)))  // emission interval, µs
            arguments.append(bucket.rate.count)  // burst
        }
        if let reservingWithin { arguments.append(reservingWithin) }
        return .evalsha(script, keys: buckets.map(\.key), arguments: arguments)
    }

    /// Reads the script's reply.
    public static func verdict(_ reply: RESPValue, buckets: [Bucket]) throws(RedisError) -> Verdict {
        guard let parts = try reply.throwingServerError().array, parts.count >= 3, let allowed = parts[0].int else {
            throw .unexpectedReply("rate limit script: \(reply)")
        }
        if allowed == 1 { return .allowed }
        let index = Int(parts[1].int ?? 1) - 1
        let microseconds = parts[2].int ?? 1_000_000
        return .refused(
            bucket: buckets.indices.contains(index) ? buckets[index].name : "unknown", retryAfter: Int((microseconds + 999_999) / 1_000_000)
        )
    }

    /// KEYS: the buckets. ARGV: emission interval (µs) and burst per bucket, then optionally the
    /// longest wait (µs) to reserve for. Answers `{verdict, bucket, wait (µs), now (µs)}`:
    /// verdict 1 allowed, 0 refused (nothing charged), 2 reserved (charged; go after `wait`).
    static let script = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local reserve = tonumber(ARGV[2 * #KEYS + 1])
        local worst, wait = 0, 0
        local next_tat = {}
        for i, key in ipairs(KEYS) do
            local interval = tonumber(ARGV[2 * i - 1])
            local burst = tonumber(ARGV[2 * i])
            local tat = tonumber(redis.call('GET', key) or now)
            if tat < now then tat = now end
            local new_tat = tat + interval
            local allowed_at = new_tat - burst * interval
            if allowed_at > now and allowed_at - now > wait then
                worst, wait = i, allowed_at - now
            end
            next_tat[i] = new_tat
        end
        if worst > 0 and (reserve == nil or wait > reserve) then return {0, worst, wait, now} end
        for i, key in ipairs(KEYS) do
            -- %.0f: Lua would print a 16-digit number as 1.7957123456789e+15 and lose microseconds
            redis.call('SET', key, string.format('%.0f', next_tat[i]), 'PX', math.max(1, math.ceil((next_tat[i] - now) / 1000)))
        end
        if worst > 0 then return {2, worst, wait, now} end
        return {1, 0, 0, now}
        """)
}
