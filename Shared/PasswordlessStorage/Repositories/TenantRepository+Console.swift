import Foundation
import PasswordlessCore
import PostgresNIO

extension TenantRepository {
    /// The tenant created first (the console's default `CONSOLE_TENANT`); nil when there is none.
    public func first() async throws -> Tenant? {
        let rows = try await client.query("SELECT id, name, domain FROM tenants ORDER BY created_at, name LIMIT 1", logger: logger)
        var first: Tenant?
        for try await (id, name, domain) in rows.decode((UUID, String, String).self) { first = Tenant(id: id, name: name, domain: domain) }
        return first
    }
}
