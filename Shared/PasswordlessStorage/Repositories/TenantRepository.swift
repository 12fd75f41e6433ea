import Foundation
import Logging
import PasswordlessCore
import PostgresNIO

/// Tenants in PostgreSQL. All SQL about tenants lives here.
public struct TenantRepository: PostgresRepository {
    public let store: PostgresStore

    public init(store: PostgresStore) { self.store = store }

    public func create(name: String, domain: String) async throws -> Tenant {
        let tenant = Tenant(id: UUID(), name: name, domain: domain.lowercased())
        try await client.query(
            "INSERT INTO tenants (id, name, domain) VALUES (\(tenant.id), \(tenant.name), \(tenant.domain))", logger: logger)
        return tenant
    }

    public func all() async throws -> [Tenant] {
        try await rows(client.query("SELECT id, name, domain FROM tenants ORDER BY name", logger: logger))
    }

    public func find(id: UUID) async throws -> Tenant? {
        try await rows(client.query("SELECT id, name, domain FROM tenants WHERE id = \(id)", logger: logger)).first
    }

    /// By name or, failing that, by domain: what operators type after `--tenant`.
    public func find(nameOrDomain: String) async throws -> Tenant? {
        try await rows(
            client.query(
                "SELECT id, name, domain FROM tenants WHERE name = \(nameOrDomain) OR domain = \(nameOrDomain.lowercased()) ORDER BY name = \(nameOrDomain) DESC LIMIT 1",
                logger: logger)
        ).first
    }

    /// Renames the tenant or moves it to another domain (nil keeps a field); the tenant as it
    /// now is, or nil when there is none with that id.
    public func update(id: UUID, name: String?, domain: String?) async throws -> Tenant? {
        try await rows(
            client.query(
                """
                UPDATE tenants SET name = coalesce(\(name), name), domain = coalesce(\(domain?.lowercased()), domain)
                WHERE id = \(id) RETURNING id, name, domain
                """, logger: logger)
        ).first
    }

    /// Deletes the tenant and, through the schema's cascades, everything it owns (clients, APIs,
    /// connections, users, keys, tokens, hooks); true when it existed.
    @discardableResult
    public func delete(id: UUID) async throws -> Bool {
        try await client.query("DELETE FROM tenants WHERE id = \(id) RETURNING id", logger: logger).collect().count == 1
    }

    private func rows(_ sequence: PostgresRowSequence) async throws -> [Tenant] {
        var tenants: [Tenant] = []
        for try await (id, name, domain) in sequence.decode((UUID, String, String).self) {
            tenants.append(Tenant(id: id, name: name, domain: domain))
        }
        return tenants
    }
}
