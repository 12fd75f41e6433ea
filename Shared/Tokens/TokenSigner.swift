import Foundation
import JWTKit
import NIOConcurrencyHelpers
import PasswordlessCore

/// Signs a tenant's tokens: RS256 or ES256 with the tenant's current key of that algorithm
/// (its `kid` in the header), or HS256 with a client's secret.
///
/// Key collections are built once per tenant (and per HS256 client) and cached for
/// ``refreshInterval``, so a rotated key becomes current everywhere within that time, and no
/// key is parsed on the request path.
public final class TokenSigner: Sendable {
    /// A tenant's keys as loaded: the current private key (PEM, already opened) of each
    /// algorithm the tenant has, and the public JWKs to publish.
    public struct TenantKeys: Sendable {
        public var current: [Client.SigningAlgorithm: CurrentKey]
        public var publicJWKs: [String]

        public init(current: [Client.SigningAlgorithm: CurrentKey], publicJWKs: [String]) {
            self.current = current
            self.publicJWKs = publicJWKs
        }
    }

    /// A tenant's current key for one algorithm.
    public struct CurrentKey: Sendable {
        public var kid: String
        public var privateKeyPEM: String

        public init(kid: String, privateKeyPEM: String) {
            self.kid = kid
            self.privateKeyPEM = privateKeyPEM
        }
    }

    private struct TenantEntry {
        var loaded: ContinuousClock.Instant
        var keys: [Client.SigningAlgorithm: any SigningKey]
        var jwks: String
    }

    public let refreshInterval: Duration
    private let loadTenantKeys: @Sendable (UUID) async throws -> TenantKeys?
    private let tenants = NIOLockedValueBox<[UUID: TenantEntry]>([:])
    private let clients = NIOLockedValueBox<[String: any SigningKey]>([:])

    public init(refreshInterval: Duration = .seconds(30), loadTenantKeys: @escaping @Sendable (UUID) async throws -> TenantKeys?) {
        self.refreshInterval = refreshInterval
        self.loadTenantKeys = loadTenantKeys
    }

    /// Signs `payload` with the tenant's current key for `algorithm` (RS256 or ES256).
    public func sign(_ payload: some JWTPayload, algorithm: Client.SigningAlgorithm, tenant: UUID) async throws -> String {
        guard let key = try await tenantEntry(tenant).keys[algorithm] else { throw TokenSignerError.noSigningKey(algorithm.rawValue) }
        return try await key.sign(payload)
    }

    /// Signs `payload` with HS256 under `secret` (the client's secret).
    public func signHS256(_ payload: some JWTPayload, clientID: String, secret: String) async throws -> String {
        let key: any SigningKey
        if let cached = clients.withLockedValue({ $0[clientID] }) {
            key = cached
        } else {
            key = JWTKitKey(keys: await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256), kid: nil)
            clients.withLockedValue { $0[clientID] = key }
        }
        return try await key.sign(payload)
    }

    /// The tenant's JWKS document: the current keys and retired keys still in their grace period.
    public func jwks(tenant: UUID) async throws -> String {
        try await tenantEntry(tenant).jwks
    }

    private func tenantEntry(_ tenant: UUID) async throws -> TenantEntry {
        let now = ContinuousClock.now
        if let entry = tenants.withLockedValue({ $0[tenant] }), now - entry.loaded < refreshInterval {
            return entry
        }
        guard let loaded = try await loadTenantKeys(tenant), !loaded.current.isEmpty else { throw TokenSignerError.noSigningKey("RS256") }
        var keys: [Client.SigningAlgorithm: any SigningKey] = [:]
        for (algorithm, key) in loaded.current {
            switch algorithm {
            case .rs256: keys[algorithm] = RS256Key(signer: try RS256Signer(pem: key.privateKeyPEM), kid: key.kid)
            case .es256:
                let kid = JWKIdentifier(string: key.kid)
                keys[algorithm] = JWTKitKey(
                    keys: await JWTKeyCollection().add(ecdsa: try ES256PrivateKey(pem: key.privateKeyPEM), kid: kid), kid: kid)
            case .hs256: continue
            }
        }
        let jwks = #"{"keys":["# + loaded.publicJWKs.joined(separator: ",") + "]}"
        let entry = TenantEntry(loaded: now, keys: keys, jwks: jwks)
        tenants.withLockedValue { $0[tenant] = entry }
        return entry
    }
}

/// The tenant cannot sign with the algorithm a client asks for.
public enum TokenSignerError: Error, CustomStringConvertible {
    case noSigningKey(String)
    public var description: String {
        switch self {
        case .noSigningKey(let algorithm):
            "the tenant has no \(algorithm) signing key (run: passwordless-admin keys rotate --tenant … --algorithm \(algorithm))"
        }
    }
}
