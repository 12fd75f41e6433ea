import Foundation
import JWTKit
import NIOConcurrencyHelpers
import PasswordlessCore

/// Signs a tenant's tokens: RS256 with the tenant's current key (its `kid` in the header), or
/// HS256 with a client's secret.
///
/// Key collections are built once per tenant (and per HS256 client) and cached for
/// ``refreshInterval``, so a rotated key becomes current everywhere within that time, and no
/// key is parsed on the request path.
public final class TokenSigner: Sendable {
    /// A tenant's keys as loaded: private PEMs (already opened) by kid, newest first.
    public struct TenantKeys: Sendable {
        public var current: (kid: String, privateKeyPEM: String)
        public var publicJWKs: [String]

        public init(current: (kid: String, privateKeyPEM: String), publicJWKs: [String]) {
            self.current = current
            self.publicJWKs = publicJWKs
        }
    }

    public let refreshInterval: Duration
    private let loadTenantKeys: @Sendable (UUID) async throws -> TenantKeys?
    private let tenants = NIOLockedValueBox<[UUID: (loaded: ContinuousClock.Instant, keys: JWTKeyCollection, kid: String, jwks: String)]>([:])
    private let clients = NIOLockedValueBox<[String: JWTKeyCollection]>([:])

    public init(refreshInterval: Duration = .seconds(30), loadTenantKeys: @escaping @Sendable (UUID) async throws -> TenantKeys?) {
        self.refreshInterval = refreshInterval
        self.loadTenantKeys = loadTenantKeys
    }

    /// Signs `payload` with the tenant's current RS256 key.
    public func signRS256(_ payload: some JWTPayload, tenant: UUID) async throws -> String {
        let entry = try await tenantEntry(tenant)
        return try await entry.keys.sign(payload, kid: JWKIdentifier(string: entry.kid))
    }

    /// Signs `payload` with HS256 under `secret` (the client's secret).
    public func signHS256(_ payload: some JWTPayload, clientID: String, secret: String) async throws -> String {
        let keys: JWTKeyCollection
        if let cached = clients.withLockedValue({ $0[clientID] }) {
            keys = cached
        } else {
            keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            clients.withLockedValue { $0[clientID] = keys }
        }
        return try await keys.sign(payload)
    }

    /// The tenant's JWKS document: the current key and retired keys still in their grace period.
    public func jwks(tenant: UUID) async throws -> String {
        try await tenantEntry(tenant).jwks
    }

    private func tenantEntry(_ tenant: UUID) async throws -> (keys: JWTKeyCollection, kid: String, jwks: String) {
        let now = ContinuousClock.now
        if let entry = tenants.withLockedValue({ $0[tenant] }), now - entry.loaded < refreshInterval {
            return (entry.keys, entry.kid, entry.jwks)
        }
        guard let loaded = try await loadTenantKeys(tenant) else { throw TokenSignerError.noSigningKey }
        let keys = JWTKeyCollection()
        await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: loaded.current.privateKeyPEM), digestAlgorithm: .sha256, kid: JWKIdentifier(string: loaded.current.kid))
        for jwk in loaded.publicJWKs {
            if let parsed = try? JSONDecoder().decode(JWK.self, from: Data(jwk.utf8)), parsed.keyIdentifier?.string != loaded.current.kid {
                _ = try? await keys.add(jwk: parsed)
            }
        }
        let jwks = #"{"keys":["# + loaded.publicJWKs.joined(separator: ",") + "]}"
        tenants.withLockedValue { $0[tenant] = (now, keys, loaded.current.kid, jwks) }
        return (keys, loaded.current.kid, jwks)
    }
}

public enum TokenSignerError: Error, CustomStringConvertible {
    case noSigningKey
    public var description: String { "the tenant has no signing key (run: passwordless-admin keys rotate --tenant …)" }
}
