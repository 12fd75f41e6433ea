import Foundation
import PostgresNIO

/// One of a tenant's signing keys as operators see it (`keys list`): never its private half.
public struct SigningKeyListing: Sendable, Equatable {
    /// Where a key is in its life.
    public enum State: String, Sendable {
        /// Signs new tokens.
        case current
        /// Replaced by a newer key; published until its grace period ends, so issued tokens verify.
        case previous
        /// Revoked by an operator: not published, never signs.
        case revoked
    }

    public var kid: String
    public var algorithm: String
    public var state: State
    public var createdAt: Date
    public var retiredAt: Date?
    public var revokedAt: Date?
}

extension SigningKeyRepository {
    /// What a revocation did.
    public enum RevocationOutcome: Sendable, Equatable {
        case revoked
        /// The tenant has no key with that kid.
        case notFound
        /// The key signs new tokens: rotate first, then revoke it.
        case current
        case alreadyRevoked
    }

    /// Every key of the tenant that is current, in its grace period or revoked, newest first; keys
    /// past their grace period are left out, as they are out of the JWKS.
    public func list(tenantID: UUID, grace: Duration = .seconds(7 * 86400)) async throws -> [SigningKeyListing] {
        let graceSeconds = Double(grace.components.seconds)
        let rows = try await client.query(
            """
            SELECT kid, algorithm, created_at, retired_at, revoked_at FROM signing_keys
            WHERE tenant_id = \(tenantID)
              AND (retired_at IS NULL OR revoked_at IS NOT NULL OR retired_at > now() - make_interval(secs => \(graceSeconds)))
            ORDER BY created_at DESC, kid
            """, logger: logger)
        var keys: [SigningKeyListing] = []
        for try await (kid, algorithm, created, retired, revoked) in rows.decode((String, String, Date, Date?, Date?).self) {
            let state: SigningKeyListing.State = revoked != nil ? .revoked : retired != nil ? .previous : .current
            keys.append(
                SigningKeyListing(kid: kid, algorithm: algorithm, state: state, createdAt: created, retiredAt: retired, revokedAt: revoked))
        }
        return keys
    }

    /// Revokes a previous key before its grace period ends: tokens it signed stop verifying once
    /// verifiers reload the JWKS. The current key is refused.
    public func revoke(tenantID: UUID, kid: String) async throws -> RevocationOutcome {
        let rows = try await client.query(
            """
            WITH target AS (SELECT kid, retired_at, revoked_at FROM signing_keys WHERE tenant_id = \(tenantID) AND kid = \(kid)),
                 revoked AS (UPDATE signing_keys SET revoked_at = now()
                             WHERE tenant_id = \(tenantID) AND kid = \(kid) AND retired_at IS NOT NULL AND revoked_at IS NULL
                             RETURNING kid)
            SELECT target.retired_at IS NULL, target.revoked_at IS NOT NULL, (SELECT count(*) FROM revoked) FROM target
            """, logger: logger)
        for try await (current, alreadyRevoked, changed) in rows.decode((Bool, Bool, Int).self) {
            if changed == 1 { return .revoked }
            return current ? .current : alreadyRevoked ? .alreadyRevoked : .notFound
        }
        return .notFound
    }
}
