import Foundation
import PasswordlessCore
import PostgresNIO

extension ConnectionRepository {
    /// The tenant's first connection of `strategy` by name (the console sends operators' codes
    /// through the first email connection of its tenant); nil when it has none.
    public func first(tenantID: UUID, strategy: Connection.Strategy) async throws -> Connection? {
        let rows = try await client.query(
            "SELECT name FROM connections WHERE tenant_id = \(tenantID) AND strategy = \(strategy.rawValue) ORDER BY name LIMIT 1",
            logger: logger)
        var first: String?
        for try await name in rows.decode(String.self) { first = name }
        guard let first else { return nil }
        return try await find(tenantID: tenantID, name: first)
    }
}
