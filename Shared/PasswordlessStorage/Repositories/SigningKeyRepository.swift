import Foundation
import Logging
import PostgresNIO

/// A tenant's signing key as stored: the private key sealed, the public half as a JWK.
public struct StoredSigningKey: Sendable, Equatable {
    public var kid: String
    public var tenantID: UUID
    public var algorithm: String
    public var sealedPrivateKey: [UInt8]
    /// The public JWK as JSON text, ready for the JWKS document.
    public var publicJWK: String
    public var createdAt: Date
    /// Set when a newer key replaced this one; it stays published until the grace period ends.
    public var retiredAt: Date?

    public init(
        kid: String, tenantID: UUID, algorithm: String, sealedPrivateKey: [UInt8], publicJWK: String, createdAt: Date = Date(),
        retiredAt: Date? = nil
    ) {
        self.kid = kid
        self.tenantID = tenantID
        self.algorithm = algorithm
        self.sealedPrivateKey = sealedPrivateKey
        self.publicJWK = publicJWK
        self.createdAt = createdAt
        self.retiredAt = retiredAt
    }

    /// The context string the private key is sealed under.
    public static func sealingContext(kid: String) -> String { "signing-key:\(kid)" }
}

/// Signing keys in PostgreSQL. The current key of a tenant is its newest unretired one.
public struct SigningKeyRepository: PostgresRepository {
    public let store: PostgresStore

    public init(store: PostgresStore) { self.store = store }

    /// Stores `key` as the tenant's current key for its algorithm and retires the previous ones of
    /// that algorithm, in one transaction. (A tenant has at most one current RS256 and one
    /// current ES256 key.)
    public func rotate(to key: StoredSigningKey) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query(
                """
                UPDATE signing_keys SET retired_at = now()
                WHERE tenant_id = \(key.tenantID) AND algorithm = \(key.algorithm) AND retired_at IS NULL
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO signing_keys (kid, tenant_id, algorithm, private_key_sealed, public_jwk)
                VALUES (\(key.kid), \(key.tenantID), \(key.algorithm), \(ByteBuffer(bytes: key.sealedPrivateKey)), \(key.publicJWK)::jsonb)
                """, logger: logger)
        }
    }

    /// The keys to publish and to verify with: the current one, and retired ones still in their
    /// grace period and not revoked, newest first.
    public func published(tenantID: UUID, grace: Duration = .seconds(7 * 86400)) async throws -> [StoredSigningKey] {
        let graceSeconds = Double(grace.components.seconds)
        let rows = try await client.query(
            """
            SELECT kid, tenant_id, algorithm, private_key_sealed, public_jwk::text, created_at, retired_at FROM signing_keys
            WHERE tenant_id = \(tenantID) AND revoked_at IS NULL
              AND (retired_at IS NULL OR retired_at > now() - make_interval(secs => \(graceSeconds)))
            ORDER BY created_at DESC
            """, logger: logger)
        var keys: [StoredSigningKey] = []
        for try await (kid, tenant, algorithm, sealed, jwk, created, retired) in rows.decode(
            (String, UUID, String, ByteBuffer, String, Date, Date?).self)
        {
            keys.append(
                StoredSigningKey(
                    kid: kid, tenantID: tenant, algorithm: algorithm, sealedPrivateKey: Array(buffer: sealed), publicJWK: jwk,
                    createdAt: created,
                    retiredAt: retired))
        }
        return keys
    }
}
