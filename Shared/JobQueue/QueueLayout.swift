import Logging
import NIOConcurrencyHelpers
import PasswordlessCore
import RedisClient
import ServiceLifecycle

/// How the send queue is split: `QUEUE_PARTITIONS` partitions, and which one a job goes to.
///
/// A job's partition is a hash of its id, so one tenant's jobs spread evenly over all of them
/// (and a job keeps its partition when it is requeued). Every process that enqueues or takes
/// jobs must agree on the count: a job put in a partition that dispatchers do not serve would
/// never be sent. So the count is recorded in Redis by the first process to start
/// (``RedisKeys/Queue/partitionCount``), and ``verify(using:record:)`` refuses any other.
public final class QueueLayout: Sendable, CustomStringConvertible {
    public static let defaultPartitions = 16
    /// The counts `QUEUE_PARTITIONS` accepts.
    public static let allowedPartitions = 1...1024

    public let partitions: [QueuePartition]
    /// Set once the count was found recorded as ours.
    private let verified = NIOLockedValueBox(false)

    public init(partitions count: Int = QueueLayout.defaultPartitions) {
        precondition(Self.allowedPartitions.contains(count), "QUEUE_PARTITIONS out of range: \(count)")
        partitions = (0..<count).map(QueuePartition.init)
    }

    public var count: Int { partitions.count }

    public var description: String { "QueueLayout(\(count) partitions)" }

    /// The partition of the job with this id: FNV-1a of the id, modulo the count.
    public func partition(forJobID id: String) -> QueuePartition {
        partition(forBytes: Array(id.utf8))
    }

    /// The partition for bytes that are not a job (a malformed entry found in the old layout).
    public func partition(forBytes bytes: [UInt8]) -> QueuePartition {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return partitions[Int(hash % UInt64(count))]
    }

    /// Whether ``verify(using:record:)`` has found the count recorded as this one.
    public var isVerified: Bool { verified.withLockedValue { $0 } }

    /// Compares this count with the one recorded in Redis, first recording it if none is and
    /// `record` says so (`SET NX`: of processes starting together, one count wins). Throws
    /// ``QueuePartitionMismatch`` when they differ, or the Redis error.
    public func verify(using redis: RedisClient, record: Bool = true) async throws {
        var commands = [RedisCommand("GET", RedisKeys.Queue.partitionCount)]
        if record { commands.insert(RedisCommand("SET", RedisKeys.Queue.partitionCount, count, "NX"), at: 0) }
        let replies = try await redis.pipeline(commands)
        for reply in replies { _ = try reply.throwingServerError() }
        guard let text = replies.last?.string else { return }  // nothing recorded, and not asked to record
        guard let recorded = Int(text), recorded == count else {
            throw QueuePartitionMismatch(configured: count, recorded: text)
        }
        verified.withLockedValue { $0 = true }
    }

    /// ``verify(using:record:)`` until Redis answers: a Redis that is still starting is not an
    /// error (the service stays up, `/readyz` says why). Returns once verified, or at shutdown;
    /// throws ``QueuePartitionMismatch``.
    public func waitUntilVerified(using redis: RedisClient, logger: Logger, retryInterval: Duration = .seconds(1)) async throws {
        while !isVerified && !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await verify(using: redis)
            } catch let error as QueuePartitionMismatch {
                throw error
            } catch {
                logger.warning("cannot check the queue's partition count yet", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: retryInterval)
            }
        }
    }
}

/// A process started with another `QUEUE_PARTITIONS` than the queue in Redis was made with.
public struct QueuePartitionMismatch: StartupRefusal, Equatable {
    public var configured: Int
    /// As recorded (normally a number).
    public var recorded: String

    public var description: String {
        "QUEUE_PARTITIONS is \(configured) but the queue in Redis has \(recorded) partitions (\(RedisKeys.Queue.partitionCount)); "
            + "start every process with QUEUE_PARTITIONS=\(recorded), or see the README to change it"
    }
}

/// Checks at start that the queue in Redis has this process's partition count, and ends the
/// process (through its service group) with ``QueuePartitionMismatch`` when it has not. For the
/// gateway; the dispatcher's worker checks before it takes anything.
public struct QueueLayoutCheck: Service, CustomStringConvertible {
    let layout: QueueLayout
    let redis: RedisClient
    let logger: Logger

    public init(layout: QueueLayout, redis: RedisClient, logger: Logger) {
        self.layout = layout
        self.redis = redis
        self.logger = logger
    }

    public var description: String { "QueueLayoutCheck(\(layout.count) partitions)" }

    public func run() async throws {
        try await layout.waitUntilVerified(using: redis, logger: logger)
        try? await gracefulShutdown()
    }
}
