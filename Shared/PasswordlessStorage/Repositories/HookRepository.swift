import Foundation
import Logging
import PasswordlessCore
import PostgresNIO

/// Tenants' event hooks in PostgreSQL. All SQL about hooks lives here.
public struct HookRepository: PostgresRepository {
    public let store: PostgresStore

    public init(store: PostgresStore) { self.store = store }

    public func insert(_ hook: Hook) async throws {
        try await client.query(
            """
            INSERT INTO hooks (id, tenant_id, url, events, secret_sealed, created_at)
            VALUES (\(hook.id), \(hook.tenantID), \(hook.url), \(hook.events.map(\.rawValue)), \(ByteBuffer(bytes: hook.sealedSecret)),
                    \(hook.createdAt))
            """, logger: logger)
    }

    /// Whether the tenant had a hook with this id (now deleted).
    public func delete(id: UUID, tenantID: UUID) async throws -> Bool {
        let rows = try await client.query("DELETE FROM hooks WHERE id = \(id) AND tenant_id = \(tenantID) RETURNING id", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// The tenant's hooks, oldest first.
    public func list(tenantID: UUID) async throws -> [Hook] {
        let sequence = try await client.query(
            "SELECT id, tenant_id, url, events, secret_sealed, created_at FROM hooks WHERE tenant_id = \(tenantID) ORDER BY created_at, id",
            logger: logger)
        var hooks: [Hook] = []
        for try await (id, tenant, url, events, sealed, created) in sequence.decode((UUID, UUID, String, [String], ByteBuffer, Date).self) {
            hooks.append(
                Hook(
                    id: id, tenantID: tenant, url: url, events: events.compactMap(HookEventType.init(rawValue:)),
                    sealedSecret: Array(buffer: sealed), createdAt: created))
        }
        return hooks
    }
}
