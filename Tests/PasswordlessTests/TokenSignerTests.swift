import Foundation
import JWTKit
import NIOConcurrencyHelpers
import PasswordlessCore
import Testing
import Tokens

/// The signer in process: a rotated key becomes current within the refresh interval, tokens
/// signed before the rotation still verify against the published JWKS, and every algorithm
/// signs through the one path.
@Suite("Token signer")
struct TokenSignerTests {
    /// A tenant's keys as the token service loads them, replaceable to simulate a rotation.
    final class KeyStore: Sendable {
        let current = NIOLockedValueBox<[Client.SigningAlgorithm: GeneratedSigningKey]>([:])
        let published = NIOLockedValueBox<[String]>([])

        func rotate(_ algorithm: Client.SigningAlgorithm) throws -> String {
            try install(SigningKeyFactory.make(algorithm))
        }

        /// Makes `key` current, as a rotation does, without the time it takes to generate one.
        func install(_ key: GeneratedSigningKey) -> String {
            let algorithm = Client.SigningAlgorithm(rawValue: key.algorithm)!
            current.withLockedValue { $0[algorithm] = key }
            published.withLockedValue { $0.insert(key.publicJWK, at: 0) }
            return key.kid
        }

        func load(_ tenant: UUID) -> TokenSigner.TenantKeys {
            let current = current.withLockedValue { $0 }.mapValues { TokenSigner.CurrentKey(kid: $0.kid, privateKeyPEM: $0.privateKeyPEM) }
            return TokenSigner.TenantKeys(current: current, publicJWKs: published.withLockedValue { $0 })
        }
    }

    static func claims() -> IDTokenClaims {
        IDTokenClaims(
            issuer: "https://acme.example/", subject: "sms|abc", audience: "client", issuedAt: Date(), expiresAt: Date() + 600,
            phoneNumber: "+14155557000")
    }

    static func kid(_ token: String) throws -> String? {
        var header = String(token.split(separator: ".")[0]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(
            of: "_", with: "/")
        header += String(repeating: "=", count: (4 - header.count % 4) % 4)
        let object = try JSONSerialization.jsonObject(with: try #require(Data(base64Encoded: header))) as? [String: Any]
        return object?["kid"] as? String
    }

    @Test(arguments: [Client.SigningAlgorithm.rs256, .es256])
    func rotatedKeysBecomeCurrentAndIssuedTokensStillVerify(_ algorithm: Client.SigningAlgorithm) async throws {
        let store = KeyStore()
        let tenant = UUID()
        // Both keys are made first: generating an RSA key can take longer than the interval.
        let (first, second) = (try SigningKeyFactory.make(algorithm), try SigningKeyFactory.make(algorithm))
        let firstKid = store.install(first)
        let signer = TokenSigner(refreshInterval: .milliseconds(500)) { store.load($0) }
        let before = try await signer.sign(Self.claims(), algorithm: algorithm, tenant: tenant)
        #expect(try Self.kid(before) == firstKid)

        let secondKid = store.install(second)
        // Within the refresh interval the cached key still signs; after it, the new one does.
        #expect(try Self.kid(try await signer.sign(Self.claims(), algorithm: algorithm, tenant: tenant)) == firstKid)
        try await Task.sleep(for: .milliseconds(600))
        let after = try await signer.sign(Self.claims(), algorithm: algorithm, tenant: tenant)
        #expect(try Self.kid(after) == secondKid, "new tokens are not signed with the new key")

        let jwks = try await signer.jwks(tenant: tenant)
        #expect(jwks.components(separatedBy: "\"kid\"").count - 1 == 2, "the JWKS should hold the new and the previous key")
        let keys = try await JWTKeyCollection().add(jwksJSON: jwks)
        _ = try await keys.verify(before, as: IDTokenClaims.self)
        _ = try await keys.verify(after, as: IDTokenClaims.self)
    }

    @Test func aTenantWithoutTheAlgorithmsKeyIsRefusedByName() async throws {
        let store = KeyStore()
        _ = try store.rotate(.rs256)
        let signer = TokenSigner { store.load($0) }
        let error = await #expect(throws: TokenSignerError.self) { try await signer.sign(Self.claims(), algorithm: .es256, tenant: UUID()) }
        #expect(error?.description.contains("no ES256 signing key") == true)
    }

    @Test func hs256SignsWithTheClientsSecret() async throws {
        let signer = TokenSigner { _ in nil }
        let token = try await signer.signHS256(Self.claims(), clientID: "client", secret: "a-secret-of-32-characters-at-least")
        let keys = await JWTKeyCollection().add(hmac: HMACKey(from: "a-secret-of-32-characters-at-least"), digestAlgorithm: .sha256)
        _ = try await keys.verify(token, as: IDTokenClaims.self)
        #expect(try Self.kid(token) == nil)
    }
}
