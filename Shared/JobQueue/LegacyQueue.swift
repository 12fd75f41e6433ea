import Foundation
import RedisClient

/// The single-list queue of the previous release (``RedisKeys/Queue/Legacy``), drained into the
/// partitions so that an upgrade strands no job.
///
/// During a rolling upgrade old gateways still push to `pl:{queue}:pending` and old dispatchers
/// still take from it; afterwards nothing does. Each new dispatcher, about once a second:
///
/// 1. reaps the old layout (old dispatchers that died: their jobs back to the old pending list,
///    with the old script, so it works beside old reapers);
/// 2. promotes due old retries to the old pending list (old dispatchers that stopped leave their
///    retries behind; they are due within `DISPATCHER_RETRY_CAP`);
/// 3. drains the old pending list: it claims jobs with `LMOVE` into a processing list of its own
///    in the old layout — under an old-layout heartbeat, so a reaper (old or new) gives them back
///    should this dispatcher die — then adds each to its partition, and only then removes it
///    from the claim list. The partitions and `{queue}` are different slots, so those are two
///    steps: a crash between them can deliver a job twice, never lose it.
///
/// Old dead letters stay where they are: ``DeadLetters`` lists, requeues and purges them with the
/// others.
public struct LegacyQueue: Sendable {
    let redis: RedisClient
    let layout: QueueLayout
    /// Jobs claimed per round trip.
    static let batchSize = 100

    public init(redis: RedisClient, layout: QueueLayout) {
        self.redis = redis
        self.layout = layout
    }

    /// One pass; returns how many jobs moved into the partitions. `worker` names this
    /// dispatcher's claim list and heartbeat in the old layout, kept alive for `heartbeatTTL`.
    @discardableResult
    public func drain(worker: String, heartbeatTTL: Duration) async throws(RedisError) -> Int {
        typealias Legacy = RedisKeys.Queue.Legacy
        var probe: [Int] = []
        for reply in try await redis.pipeline([
            RedisCommand("LLEN", Legacy.pending), RedisCommand("ZCARD", Legacy.scheduled), RedisCommand("SCARD", Legacy.workers),
            RedisCommand("LLEN", Legacy.processing(worker: worker)),
        ]) {
            probe.append(Int(try reply.throwingServerError().int ?? 0))
        }
        guard probe.contains(where: { $0 > 0 }) else { return 0 }
        if probe[2] > 0 {
            try await redis.eval(
                Self.reapScript, keys: [Legacy.workers, Legacy.pending], arguments: [Legacy.processingPrefix, Legacy.heartbeatPrefix])
        }
        if probe[1] > 0 { try await redis.eval(Self.promoteScript, keys: [Legacy.scheduled, Legacy.pending], arguments: [1000]) }

        let milliseconds = heartbeatTTL.components.seconds * 1000 + heartbeatTTL.components.attoseconds / 1_000_000_000_000_000
        var moved = 0
        while !Task.isCancelled {
            // The heartbeat goes first, so no reaper takes the claim list while it is worked on.
            var commands = [
                RedisCommand("SET", Legacy.heartbeat(worker: worker), Date().millisecondsSince1970, "PX", milliseconds),
                RedisCommand("SADD", Legacy.workers, worker),
            ]
            commands += Array(
                repeating: RedisCommand("LMOVE", Legacy.pending, Legacy.processing(worker: worker), "RIGHT", "LEFT"), count: Self.batchSize)
            commands.append(RedisCommand("LRANGE", Legacy.processing(worker: worker), 0, -1))
            let replies = try await redis.pipeline(commands)
            for reply in replies { _ = try reply.throwingServerError() }
            let claimed = replies[2..<(2 + Self.batchSize)].filter { $0.bytes != nil }.count
            // Newest first in the list: the oldest is added last, so it ends nearest the front.
            let held = (replies.last?.array ?? []).compactMap(\.bytes)
            if !held.isEmpty {
                for reply in try await redis.pipeline(held.reversed().map(move)) { _ = try reply.throwingServerError() }
                let removals = held.map { RedisCommand("LREM", Legacy.processing(worker: worker), 1, $0) }
                for reply in try await redis.pipeline(removals) { _ = try reply.throwingServerError() }
                moved += held.count
            }
            if claimed < Self.batchSize { break }
        }
        try await release(worker: worker)
        return moved
    }

    /// The command that adds an old job to its partition.
    func move(_ raw: [UInt8]) -> RedisCommand {
        if let job = try? SendJob.decode(raw) {
            return DeliveryQueue.enqueue(raw, tenant: job.tenantKey, into: layout.partition(forJobID: job.id))
        }
        return DeliveryQueue.enqueue(raw, tenant: QueuePartition.malformedTenant, into: layout.partition(forBytes: raw))
    }

    /// Gives whatever is left in `worker`'s old claim list back to the old pending list and
    /// removes its old heartbeat and registration.
    @discardableResult
    public func release(worker: String) async throws(RedisError) -> Int {
        typealias Legacy = RedisKeys.Queue.Legacy
        let reply = try await redis.eval(
            Self.releaseScript,
            keys: [Legacy.workers, Legacy.pending, Legacy.processing(worker: worker), Legacy.heartbeat(worker: worker)],
            arguments: [worker])
        return Int(reply.int ?? 0)
    }

    // The previous release's scripts, unchanged, so they move jobs exactly as old dispatchers do.

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
