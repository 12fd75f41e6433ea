import PostgresNIO

/// One versioned step of the schema. Versions only ever grow; a released migration is never
/// edited, only followed by a new one.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    /// Statements run in order, inside the migration run's transaction. postgres-nio sends each
    /// as one extended-protocol query, which holds a single statement.
    public let statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    /// Every migration this build knows, in order.
    public static let all: [Migration] = [
        .initialSchema, .connectionLimits, .clientsAndAPIs, .htmlTemplate, .blockedUsers, .emailProviders, .fallbackConnection,
        .connectionTemplates, .hooks, .managementTokenExpiry, .keyRevocation,
    ]

    /// The newest schema version this build needs.
    public static var latestVersion: Int { all.map(\.version).max() ?? 0 }
}
