import Foundation
import Logging
import NIOConcurrencyHelpers
import PasswordlessStorage
import PostgresNIO
import ServiceLifecycle

/// Writes successful logins to PostgreSQL off the verify path: the token service hands each
/// login to ``record(userID:at:)`` (a locked append, no waiting), and this service writes what
/// has gathered every ``interval`` in batched UPDATEs — the channel marked verified,
/// `last_login` and `logins_count` updated. At shutdown it writes what is still buffered before
/// PostgreSQL closes.
public final class LoginRecorder: Service, Sendable, CustomStringConvertible {
    private let users: UserRepository
    private let logger: Logger
    private let pending = NIOLockedValueBox<[(userID: String, at: Date)]>([])
    private let interval: Duration
    /// The most logins one UPDATE carries.
    static let batchSize = 500
    /// Beyond this many unwritten logins (PostgreSQL down for long), the oldest are dropped.
    static let bufferLimit = 100_000

    public init(postgres: PostgresClient, logger: Logger, interval: Duration = .milliseconds(200)) {
        users = UserRepository(client: postgres, logger: logger)
        self.logger = logger
        self.interval = interval
    }

    /// One line for the service group's logs.
    public var description: String { "LoginRecorder(every \(interval))" }

    public func record(userID: String, at date: Date = Date()) {
        pending.withLockedValue { pending in
            if pending.count >= Self.bufferLimit { pending.removeFirst(pending.count - Self.bufferLimit + 1) }
            pending.append((userID, date))
        }
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: interval)
            await flush()
        }
        await flush()
    }

    /// Writes everything gathered so far.
    public func flush() async {
        let batch = pending.withLockedValue { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        var start = 0
        while start < batch.count {
            let chunk = Array(batch[start..<min(start + Self.batchSize, batch.count)])
            start += Self.batchSize
            do {
                try await users.recordLogins(chunk)
            } catch {
                logger.error("could not record logins", metadata: ["count": "\(chunk.count)", "error": "\(String(reflecting: error))"])
            }
        }
    }
}
