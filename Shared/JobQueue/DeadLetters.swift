import Foundation
import RedisClient

/// The dead letters of every partition, and those the previous release left in
/// `pl:{queue}:dead`, as operators inspect and replay them.
public struct DeadLetters: Sendable {
    let redis: RedisClient
    let layout: QueueLayout

    public init(redis: RedisClient, layout: QueueLayout) {
        self.redis = redis
        self.layout = layout
    }

    /// One dead letter as listed: the entry, its raw bytes (for exact removal) and where it lies.
    public struct Listed: Sendable {
        public var letter: DeadLetter
        public var raw: [UInt8]
        /// Its partition; nil for the previous release's list.
        public var partition: QueuePartition?
    }

    /// The newest `limit` dead letters over all partitions, newest first.
    public func list(limit: Int = DeliveryQueue.deadLetterCap) async throws(RedisError) -> [Listed] {
        guard limit > 0 else { return [] }
        let sources: [QueuePartition?] = layout.partitions + [nil]
        let replies = try await redis.pipeline(
            sources.map { RedisCommand("LRANGE", $0?.dead ?? RedisKeys.Queue.Legacy.dead, 0, limit - 1) })
        var listed: [Listed] = []
        for (partition, reply) in zip(sources, replies) {
            for bytes in (try reply.throwingServerError().array ?? []).compactMap(\.bytes) {
                guard let letter = try? JSONDecoder().decode(DeadLetter.self, from: Data(bytes)) else { continue }
                listed.append(Listed(letter: letter, raw: bytes, partition: partition))
            }
        }
        // Each list is newest first; merged by the time of death (stable, so ties keep list order).
        return Array(
            listed.enumerated().sorted { ($0.element.letter.diedAt, -$0.offset) > ($1.element.letter.diedAt, -$1.offset) }
                .map(\.element).prefix(limit))
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

    /// Puts a dead job back in its tenant's pending list with its attempts reset, if its code is
    /// still live.
    ///
    /// A dead letter of the previous release's list moves across slots in two steps: it is
    /// queued first and removed after, so a second operator requeueing it at the same moment can
    /// send it twice, never lose it.
    public func requeue(_ listed: Listed, now: Date = Date()) async throws(RedisError) -> RequeueOutcome {
        guard var job = listed.letter.job else { return .malformed }
        guard job.codeExpiresAt > now.millisecondsSince1970 else { return .expired }
        job.attempts = 0
        guard let partition = listed.partition else {
            _ = try await redis.send(DeliveryQueue.enqueue(job, layout: layout))
            try await redis.send(RedisCommand("LREM", RedisKeys.Queue.Legacy.dead, 1, listed.raw))
            return .requeued
        }
        let moved = try await redis.send(Self.requeueCommand(listed.raw, as: job.encoded(), in: partition))
        return moved.int == 1 ? .requeued : .gone
    }

    static func requeueCommand(_ raw: [UInt8], as job: [UInt8], in partition: QueuePartition) -> RedisCommand {
        .evalsha(
            QueueScripts.requeueDead, keys: [partition.dead, partition.ready, partition.wake],
            arguments: [raw, job, partition.tenantPrefix, QueueScripts.wakeTokens])
    }

    /// Empties every dead-letter list; returns how many entries they held.
    @discardableResult
    public func purge() async throws(RedisError) -> Int {
        let keys = layout.partitions.map(\.dead) + [RedisKeys.Queue.Legacy.dead]
        let replies = try await redis.pipeline(keys.flatMap { [RedisCommand("LLEN", $0), RedisCommand("DEL", $0)] })
        var purged = 0
        for (index, reply) in replies.enumerated() where index % 2 == 0 { purged += Int(try reply.throwingServerError().int ?? 0) }
        return purged
    }

    /// Deletes the dead letters of one tenant (their jobs name it), in every partition and the
    /// previous release's list; returns how many went. Malformed entries name no tenant and stay
    /// (``purge()`` empties everything). Each entry is removed by its exact bytes, so a letter that
    /// died meanwhile, or another tenant's, is never touched.
    @discardableResult
    public func purge(tenantID: UUID) async throws(RedisError) -> Int {
        let doomed = try await list().filter { $0.letter.job?.tenantID == tenantID }
        guard !doomed.isEmpty else { return 0 }
        let replies = try await redis.pipeline(
            doomed.map { RedisCommand("LREM", $0.partition?.dead ?? RedisKeys.Queue.Legacy.dead, 1, $0.raw) })
        var purged = 0
        for reply in replies { purged += Int(try reply.throwingServerError().int ?? 0) }
        return purged
    }
}
