import Foundation
import Logging
import PostgresNIO

/// A management API token as stored: its digest, its scopes and its tenant.
public struct ManagementToken: Sendable, Equatable {
    public var id: UUID
    public var tenantID: UUID
    public var scopes: [String]

    public init(id: UUID, tenantID: UUID, scopes: [String]) {
        self.id = id
        self.tenantID = tenantID
        self.scopes = scopes
    }
}

/// Management API tokens in PostgreSQL, found by the HMAC digest of the token.
public struct ManagementTokenRepository: PostgresRepository {
    public let store: PostgresStore

    public init(store: PostgresStore) { self.store = store }

    public func insert(_ token: ManagementToken, digest: [UInt8]) async throws {
        try await client.query(
            """
            INSERT INTO management_tokens (id, tenant_id, token_hash, scopes)
            VALUES (\(token.id), \(token.tenantID), \(ByteBuffer(bytes: digest)), \(token.scopes))
            """, logger: logger)
    }

    /// The live (unrevoked) token with this digest.
    public func find(digest: [UInt8]) async throws -> ManagementToken? {
        let rows = try await client.query(
            "SELECT id, tenant_id, scopes FROM management_tokens WHERE token_hash = \(ByteBuffer(bytes: digest)) AND revoked_at IS NULL",
            logger: logger)
        for try await (id, tenant, scopes) in rows.decode((UUID, UUID, [String]).self) {
            return ManagementToken(id: id, tenantID: tenant, scopes: scopes)
        }
        return nil
    }

    /// Revokes a token by id; returns whether one was live.
    @discardableResult
    public func revoke(id: UUID) async throws -> Bool {
        let rows = try await client.query(
            "UPDATE management_tokens SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL RETURNING id", logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
