import Foundation
import RedisClient

/// How deep the delivery queue is, for operators (`passwordless-admin queue stats`) and for the
/// dispatcher's Prometheus gauges.
public struct QueueStats: Sendable, Equatable, Codable {
    public var pending: Int
    /// Jobs in processing lists, all workers together.
    public var processing: Int
    public var scheduled: Int
    public var dead: Int
    /// Age of the job that has waited longest in pending; 0 when pending is empty.
    public var oldestPendingAgeSeconds: Double
    /// Jobs in each registered worker's processing list, and whether its heartbeat is alive.
    public var workers: [Worker]

    public struct Worker: Sendable, Equatable, Codable {
        public var id: String
        public var processing: Int
        public var alive: Bool
    }

    enum CodingKeys: String, CodingKey {
        case pending, processing, scheduled, dead, workers
        case oldestPendingAgeSeconds = "oldest_pending_age_seconds"
    }

    /// Reads the numbers in two round trips.
    public static func read(from redis: RedisClient, now: Date = Date()) async throws(RedisError) -> QueueStats {
        let first = try await redis.pipeline([
            RedisCommand("LLEN", RedisKeys.Queue.pending), RedisCommand("ZCARD", RedisKeys.Queue.scheduled),
            RedisCommand("LLEN", RedisKeys.Queue.dead), RedisCommand("SMEMBERS", RedisKeys.Queue.workers),
            RedisCommand("LINDEX", RedisKeys.Queue.pending, -1),
        ])
        for reply in first { _ = try reply.throwingServerError() }
        let workerIDs = (first[3].array ?? []).compactMap(\.string).sorted()
        var workers: [Worker] = []
        if !workerIDs.isEmpty {
            let replies = try await redis.pipeline(
                workerIDs.flatMap {
                    [
                        RedisCommand("LLEN", RedisKeys.Queue.processing(worker: $0)),
                        RedisCommand("EXISTS", RedisKeys.Queue.heartbeat(worker: $0)),
                    ]
                })
            for (index, id) in workerIDs.enumerated() {
                workers.append(Worker(id: id, processing: Int(replies[2 * index].int ?? 0), alive: replies[2 * index + 1].int == 1))
            }
        }
        var age = 0.0
        if let bytes = first[4].bytes, let job = try? SendJob.decode(bytes) {
            age = max(0, now.timeIntervalSince(Date(millisecondsSince1970: job.createdAt)))
        }
        return QueueStats(
            pending: Int(first[0].int ?? 0), processing: workers.reduce(0) { $0 + $1.processing }, scheduled: Int(first[1].int ?? 0),
            dead: Int(first[2].int ?? 0), oldestPendingAgeSeconds: age, workers: workers)
    }
}
