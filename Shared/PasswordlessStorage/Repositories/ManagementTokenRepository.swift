import Foundation
import Logging
import PostgresNIO

/// A management API token as stored: its scopes, its tenant and its life (never the token).
public struct ManagementToken: Sendable, Equatable {
    public var id: UUID
    public var tenantID: UUID
    public var scopes: [String]
    /// When it stops working; nil: never.
    public var expiresAt: Date?
    /// Set by PostgreSQL when the token is stored.
    public var createdAt: Date?
    public var revokedAt: Date?

    public init(id: UUID, tenantID: UUID, scopes: [String], expiresAt: Date? = nil, createdAt: Date? = nil, revokedAt: Date? = nil) {
        self.id = id
        self.tenantID = tenantID
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Where a token is in its life.
    public enum State: String, Sendable {
        case live, expired, revoked
    }

    /// Its state at `now`: revoked wins over expired.
    public func state(at now: Date = Date()) -> State {
        if revokedAt != nil { return .revoked }
        if let expiresAt, expiresAt <= now { return .expired }
        return .live
    }
}

/// Management API tokens in PostgreSQL, found by the HMAC digest of the token.
public struct ManagementTokenRepository: PostgresRepository {
    public let store: PostgresStore

    public init(store: PostgresStore) { self.store = store }

    /// Stores the token; returns it with its `createdAt`.
    @discardableResult
    public func insert(_ token: ManagementToken, digest: [UInt8]) async throws -> ManagementToken {
        let rows = try await client.query(
            """
            INSERT INTO management_tokens (id, tenant_id, token_hash, scopes, expires_at)
            VALUES (\(token.id), \(token.tenantID), \(ByteBuffer(bytes: digest)), \(token.scopes), \(token.expiresAt))
            RETURNING created_at
            """, logger: logger)
        var stored = token
        for try await createdAt in rows.decode(Date.self) { stored.createdAt = createdAt }
        return stored
    }

    /// The live (unrevoked, unexpired) token with this digest. Its `expiresAt` comes along, so a
    /// caller that keeps it for a while can stop honouring it on time.
    public func find(digest: [UInt8]) async throws -> ManagementToken? {
        try await tokens(
            client.query(
                """
                \(unescaped: Self.columns) WHERE token_hash = \(ByteBuffer(bytes: digest))
                    AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
                """, logger: logger)
        ).first
    }

    /// A tenant's tokens, newest first, revoked and expired ones included.
    public func list(tenantID: UUID) async throws -> [ManagementToken] {
        try await tokens(
            client.query("\(unescaped: Self.columns) WHERE tenant_id = \(tenantID) ORDER BY created_at DESC, id", logger: logger))
    }

    /// Revokes a token by id; returns whether one was live.
    @discardableResult
    public func revoke(id: UUID) async throws -> Bool {
        let rows = try await client.query(
            "UPDATE management_tokens SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL RETURNING id", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    private static let columns = "SELECT id, tenant_id, scopes, expires_at, created_at, revoked_at FROM management_tokens"

    private func tokens(_ rows: PostgresRowSequence) async throws -> [ManagementToken] {
        var tokens: [ManagementToken] = []
        for try await (id, tenant, scopes, expiresAt, createdAt, revokedAt) in rows.decode((UUID, UUID, [String], Date?, Date, Date?).self)
        {
            tokens.append(
                ManagementToken(id: id, tenantID: tenant, scopes: scopes, expiresAt: expiresAt, createdAt: createdAt, revokedAt: revokedAt))
        }
        return tokens
    }
}
