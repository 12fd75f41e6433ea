import Foundation
import Logging
import PasswordlessCore
import PostgresNIO

/// Tenants' APIs (Auth0's resource servers) in PostgreSQL. All SQL about APIs lives here.
public struct ResourceServerRepository: PostgresRepository {
    public let store: PostgresStore

    public init(store: PostgresStore) { self.store = store }

    public func insert(_ api: ResourceServer) async throws {
        try await client.query(
            """
            INSERT INTO apis (id, tenant_id, identifier, scopes, token_lifetime)
            VALUES (\(api.id), \(api.tenantID), \(api.identifier), \(api.scopes), \(api.tokenLifetime))
            """, logger: logger)
    }

    /// Writes the scopes and the token lifetime.
    public func update(_ api: ResourceServer) async throws {
        try await client.query(
            "UPDATE apis SET scopes = \(api.scopes), token_lifetime = \(api.tokenLifetime) WHERE id = \(api.id)", logger: logger)
    }

    /// Whether an API was deleted.
    public func delete(id: UUID) async throws -> Bool {
        let rows = try await client.query("DELETE FROM apis WHERE id = \(id) RETURNING id", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    public func find(tenantID: UUID, identifier: String) async throws -> ResourceServer? {
        try await rows(
            client.query("\(unescaped: Self.columns) WHERE tenant_id = \(tenantID) AND identifier = \(identifier)", logger: logger)
        )
        .first
    }

    public func list(tenantID: UUID) async throws -> [ResourceServer] {
        try await rows(client.query("\(unescaped: Self.columns) WHERE tenant_id = \(tenantID) ORDER BY identifier", logger: logger))
    }

    static let columns = "SELECT id, tenant_id, identifier, scopes, token_lifetime FROM apis"

    private func rows(_ sequence: PostgresRowSequence) async throws -> [ResourceServer] {
        var apis: [ResourceServer] = []
        for try await (id, tenant, identifier, scopes, lifetime) in sequence.decode((UUID, UUID, String, [String], Int).self) {
            apis.append(ResourceServer(id: id, tenantID: tenant, identifier: identifier, scopes: scopes, tokenLifetime: lifetime))
        }
        return apis
    }
}
