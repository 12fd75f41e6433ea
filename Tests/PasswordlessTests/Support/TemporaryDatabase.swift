import Logging
import PasswordlessStorage
import PostgresNIO

/// A PostgreSQL database created for one test and dropped after it, so tests never see each
/// other's schema or rows.
struct TemporaryDatabase {
    let settings: DatabaseSettings
    let name: String

    /// Creates the database, runs `body` with its settings, then drops it.
    static func with<T: Sendable>(_ body: (TemporaryDatabase) async throws -> T) async throws -> T {
        let admin = try DatabaseSettings(url: try TestEnvironment.databaseURL())
        let name = TestEnvironment.uniqueName("pl_test")
        try await described("CREATE DATABASE \(name)") {
            try await withClient(admin) { client in try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)")) }
        }
        let database = TemporaryDatabase(settings: admin.with(database: name), name: name)
        do {
            let result = try await body(database)
            try await drop(name, admin: admin)
            return result
        } catch {
            try? await drop(name, admin: admin)
            throw error
        }
    }

    /// Drops the database. `WITH (FORCE)` ends the test's own sessions, but PostgreSQL refuses to
    /// end an autovacuum worker's for a role that is not a superuser (SQLSTATE 42501); the worker
    /// is gone in a moment, so that refusal is tried again a few times.
    private static func drop(_ name: String, admin: DatabaseSettings) async throws {
        var attempt = 1
        while true {
            do {
                try await described("DROP DATABASE \(name)") {
                    try await withClient(admin) { client in
                        try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
                    }
                }
                return
            } catch let error as Failed where error.sqlState == "42501" && attempt < 10 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// What PostgreSQL said, in full: `PSQLError`'s own description is deliberately vague.
    struct Failed: Error, CustomStringConvertible {
        var description: String
        /// PostgreSQL's SQLSTATE, when the server answered.
        var sqlState: String?
    }

    @discardableResult
    private static func described<T>(_ statement: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError {
            throw Failed(description: "\(statement): \(String(reflecting: error))", sqlState: error.serverInfo?[.sqlState])
        }
    }

    /// Runs `body` with a running client for this database.
    func withClient<T: Sendable>(_ body: (PostgresClient) async throws -> T) async throws -> T {
        try await Self.withClient(settings, body)
    }

    static func withClient<T: Sendable>(_ settings: DatabaseSettings, _ body: (PostgresClient) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: try settings.clientConfiguration(maximumConnections: 4), backgroundLogger: .quiet)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}

extension Logger {
    /// A logger for test plumbing: errors only, so test output stays readable.
    static let quiet: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .error
        return logger
    }()
}
