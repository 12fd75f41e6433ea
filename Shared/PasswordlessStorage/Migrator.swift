import Logging
import PasswordlessCore
import PostgresNIO

/// Applies and checks the versioned schema.
///
/// `migrate()` runs every pending migration in one transaction, under a transaction-scoped
/// advisory lock so that two operators (or two deploy jobs) migrating at once apply each
/// migration exactly once; each applied version is recorded in `schema_migrations`. Running it
/// again applies nothing.
public struct Migrator: Sendable {
    /// The advisory lock key that serialises migration runs (an arbitrary constant).
    static let lockKey: Int64 = 0x7061_7373_776F_7264

    private let client: PostgresClient
    private let migrations: [Migration]
    private let logger: Logger

    public init(client: PostgresClient, migrations: [Migration] = Migration.all, logger: Logger) {
        self.client = client
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Applies the pending migrations and returns them (empty when the schema was current).
    @discardableResult
    public func migrate() async throws -> [Migration] {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            let pending = migrations.filter { !applied.contains($0.version) }
            for migration in pending {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
            return pending
        }
    }

    /// The versions recorded as applied; empty when the database was never migrated.
    public func appliedVersions() async throws -> [Int] {
        let exists =
            try await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
            .decode(Bool.self).first { _ in true } ?? false
        guard exists else { return [] }
        var versions: [Int] = []
        for try await version in try await client.query("SELECT version FROM schema_migrations ORDER BY version", logger: logger).decode(
            Int.self)
        {
            versions.append(version)
        }
        return versions
    }

    /// Throws ``SchemaError/notMigrated(missing:)`` unless every migration this build knows is applied.
    public func ensureCurrent() async throws {
        let applied = Set(try await appliedVersions())
        let missing = migrations.map(\.version).filter { !applied.contains($0) }
        if !missing.isEmpty { throw SchemaError.notMigrated(missing: missing) }
    }
}

/// The database's schema does not match what this build needs.
public enum SchemaError: StartupRefusal, Equatable {
    case notMigrated(missing: [Int])

    public var description: String {
        switch self {
        case .notMigrated(let missing):
            "the database is not migrated (missing schema version\(missing.count == 1 ? "" : "s") "
                + missing.map(String.init).joined(separator: ", ") + "): run `passwordless-admin migrate`"
        }
    }
}
