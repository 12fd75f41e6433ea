import ArgumentParser
import Foundation
import Logging
import PasswordlessStorage
import PostgresNIO
import ServiceRuntime

/// The connection flags every admin command accepts; unset flags fall back to the environment.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (default: $DATABASE_URL)")
    var databaseURL: String?

    /// The settings from the environment with these flags on top.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SettingValues {
        var arguments: [String] = []
        if let databaseURL { arguments += [Setting.databaseURL.flag, databaseURL] }
        return try SettingValues(environment: environment, arguments: arguments)
    }

    /// Runs `body` with a PostgreSQL client that is running for its duration.
    func withPostgres<T: Sendable>(logger: Logger, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let database = try ServiceConfiguration.database(try settings())
        var backgroundLogger = logger
        backgroundLogger.logLevel = .error  // the pool's start-up chatter is not for operators
        let client = PostgresClient(configuration: try database.clientConfiguration(maximumConnections: 2), backgroundLogger: backgroundLogger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
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
