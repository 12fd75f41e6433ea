import ArgumentParser
import Foundation
import JobQueue
import Logging
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import RedisClient
import ServiceSettings

/// The connection flags every admin command accepts; unset flags fall back to the environment.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong(Setting.databaseURL.longName), help: "PostgreSQL URL (default: $DATABASE_URL)")
    var databaseURL: String?

    @Option(name: .customLong(Setting.redisURL.longName), help: "Redis URL (default: $REDIS_URL)")
    var redisURL: String?

    @Option(
        name: .customLong(Setting.queuePartitions.longName),
        help: "Partitions of the send queue, as the services have them (default: $QUEUE_PARTITIONS, else 16)")
    var queuePartitions: String?

    /// The settings from the environment with these flags on top, resolved as the services resolve theirs.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) -> ResolvedSettings {
        let flags: [Setting: String?] = [.databaseURL: databaseURL, .redisURL: redisURL, .queuePartitions: queuePartitions]
        return ResolvedSettings(flags: flags.compactMapValues { $0 }, environment: environment)
    }

    /// The master key from `PASSWORDLESS_MASTER_KEY`.
    func masterKey() throws -> MasterKey {
        try ServiceConfiguration.masterKey(settings())
    }

    /// How long the CLI waits for PostgreSQL to answer at all before saying it is unreachable
    /// (postgres-nio alone would keep retrying for a minute).
    static let reachTimeout: Duration = .seconds(6)

    /// Runs `body` with a PostgreSQL client that is running for its duration. An unreachable
    /// database, a duplicate and other database errors become one-line ``AdminError``s.
    func withPostgres<T: Sendable>(logger: Logger = .admin, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let database = try ServiceConfiguration.database(settings())
        var backgroundLogger = logger
        backgroundLogger.logLevel = .critical  // the pool's connection chatter is not for operators; errors are reported below
        let client = PostgresClient(
            configuration: try database.clientConfiguration(maximumConnections: 2, connectTimeout: .seconds(5)),
            backgroundLogger: backgroundLogger)
        let address = "\(database.host):\(database.port)"
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            do {
                try await Deadline.run(within: Self.reachTimeout) { _ = try await client.query("SELECT 1") }
            } catch {
                throw error is DeadlineExceeded ? AdminError.unreachable(address) : AdminError.explain(error, address: address)
            }
            do {
                return try await body(client)
            } catch {
                throw AdminError.explain(error, address: address)
            }
        }
    }

    /// Runs `body` with a Redis client that is running for its duration (as ``withPostgres(logger:_:)``
    /// does), shut down after.
    func withRedis<T: Sendable>(_ body: (RedisClient) async throws -> T) async throws -> T {
        var configuration = try ServiceConfiguration.redis(settings())
        configuration.poolSize = 2
        let client = RedisClient(configuration: configuration, logger: .admin)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer { group.cancelAll() }
            do {
                let result = try await body(client)
                await client.shutdown()
                return result
            } catch {
                await client.shutdown()
                throw error
            }
        }
    }

    /// Runs `body` with a running Redis client and the queue's layout, once the layout is found
    /// to match the queue in Redis (`QUEUE_PARTITIONS` against the recorded count; a command that
    /// queues jobs, `record`, also records the count when none is). A mismatch is one line.
    func withQueue<T: Sendable>(record: Bool = false, _ body: (RedisClient, QueueLayout) async throws -> T) async throws -> T {
        let layout = QueueLayout(partitions: try ServiceConfiguration.queuePartitions(settings()))
        return try await withRedis { redis in
            do {
                try await layout.verify(using: redis, record: record)
            } catch let error as QueuePartitionMismatch {
                throw AdminError(error.description)
            }
            return try await body(redis, layout)
        }
    }

    /// Runs `body` with a running PostgreSQL client and the tenant named by `--tenant`.
    func withTenant<T: Sendable>(_ reference: String, _ body: @Sendable (PostgresClient, Tenant) async throws -> T) async throws -> T {
        try await withPostgres { client in
            guard let tenant = try await TenantRepository(client: client, logger: .admin).find(nameOrDomain: reference) else {
                throw ValidationError("no tenant named \(reference) (create it with: passwordless-admin tenant create)")
            }
            return try await body(client, tenant)
        }
    }
}

extension Logger {
    /// The admin CLI's logger: warnings and worse on standard error; results go to standard output.
    static let admin: Logger = {
        var logger = Logger(label: "passwordless-admin")
        logger.logLevel = .warning
        return logger
    }()
}
