import PostgresNIO
import RedisClient

/// One dependency that must answer for a service to be ready.
public struct ReadinessCheck: Sendable {
    public var name: String
    public var check: @Sendable () async throws -> Void

    public init(name: String, check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.check = check
    }

    /// PostgreSQL answers `SELECT 1`.
    public static func postgres(_ client: PostgresClient) -> ReadinessCheck {
        ReadinessCheck(name: "postgres") { try await client.query("SELECT 1") }
    }

    /// Redis answers `PING`.
    public static func redis(_ client: RedisClient) -> ReadinessCheck {
        ReadinessCheck(name: "redis") { try await client.ping() }
    }
}
