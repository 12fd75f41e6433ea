import Foundation
import JobQueue
import Logging
import RedisClient
import ServiceLifecycle

/// The queue's depth over the last minutes, for the queue page's chart: a background task of
/// the console reads ``QueueStats`` every ``interval`` and keeps the last ``capacity`` samples.
final class QueueSampler: Service, @unchecked Sendable {
    struct Sample: Sendable {
        var time: Date
        var pending: Int
        var processing: Int
        var scheduled: Int
        var dead: Int
    }

    static let interval: Duration = .seconds(5)
    /// Ten minutes of samples.
    static let capacity = 120

    let redis: RedisClient
    let layout: QueueLayout
    let logger: Logger
    private let lock = NSLock()
    private var stored: [Sample] = []

    init(redis: RedisClient, layout: QueueLayout, logger: Logger) {
        self.redis = redis
        self.layout = layout
        self.logger = logger
    }

    /// The samples, oldest first.
    var samples: [Sample] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    func record(_ stats: QueueStats, at time: Date = Date()) {
        lock.lock()
        defer { lock.unlock() }
        stored.append(
            Sample(time: time, pending: stats.pending, processing: stats.processing, scheduled: stats.scheduled, dead: stats.dead))
        if stored.count > Self.capacity { stored.removeFirst(stored.count - Self.capacity) }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    self.record(try await QueueStats.read(from: self.redis, layout: self.layout))
                } catch {
                    self.logger.warning("queue sample failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: Self.interval)
            }
        }
    }
}
