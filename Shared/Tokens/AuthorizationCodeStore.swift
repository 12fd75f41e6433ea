import Crypto
import Foundation
import PasswordlessCore
import RedisClient

/// What an authorization code stands for: the login a sign-in link finished, bound to the
/// client, its `redirect_uri` and (PKCE) its challenge.
public struct AuthorizationGrant: Codable, Sendable, Equatable {
    public var tenantID: UUID
    public var clientID: String
    public var redirectURI: String
    /// The S256 PKCE challenge the code must be redeemed with, if the link carried one.
    public var codeChallenge: String?
    public var connectionID: UUID
    public var userID: String
    /// The normalized email address or phone number, for the token's claims.
    public var recipient: String
    public var scope: String?
    public var audience: String?
    public var nonce: String?

    public init(
        tenantID: UUID, clientID: String, redirectURI: String, codeChallenge: String?, connectionID: UUID, userID: String,
        recipient: String, scope: String?, audience: String?, nonce: String?
    ) {
        self.tenantID = tenantID
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.codeChallenge = codeChallenge
        self.connectionID = connectionID
        self.userID = userID
        self.recipient = recipient
        self.scope = scope
        self.audience = audience
        self.nonce = nonce
    }

    /// Whether `verifier` answers the S256 challenge (RFC 7636 §4.6); without a challenge, only
    /// no verifier does.
    public func accepts(verifier: String?) -> Bool {
        guard let codeChallenge else { return verifier == nil }
        guard let verifier, AuthorizationRequest.isPKCEValue(verifier) else { return false }
        return Base64URL.encode(Array(SHA256.hash(data: Data(verifier.utf8)))) == codeChallenge
    }
}

/// Authorization codes: 256 random bits, single use, alive ``lifetimeSeconds``. Redis holds the
/// grant under the SHA-256 of the code (never the code itself) and hands it out once: `GETDEL`
/// spends the code whether or not the exchange then succeeds, so a code shown to the wrong
/// party cannot be tried again.
public struct AuthorizationCodeStore: Sendable {
    /// How long a code can be exchanged.
    public static let lifetimeSeconds = 60

    let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    /// A fresh code for `grant`.
    public func issue(_ grant: AuthorizationGrant) async throws -> String {
        let code = CredentialHasher.generate(bytes: 32)
        let body = try JSONEncoder().encode(grant)
        _ = try await redis.send(
            RedisCommand("SET", RedisKeys.authorizationCode(digest: Self.digest(code)), Array(body), "EX", Self.lifetimeSeconds, "NX")
        ).throwingServerError()
        return code
    }

    /// The grant of a live code, which is spent by this call; nil for an unknown, spent or
    /// expired code.
    public func redeem(_ code: String) async throws -> AuthorizationGrant? {
        guard !code.isEmpty, code.utf8.count <= 256 else { return nil }
        let reply = try await redis.send(RedisCommand("GETDEL", RedisKeys.authorizationCode(digest: Self.digest(code))))
        guard let bytes = try reply.throwingServerError().bytes else { return nil }
        return try? JSONDecoder().decode(AuthorizationGrant.self, from: Data(bytes))
    }

    static func digest(_ code: String) -> String {
        Hex.encode(SHA256.hash(data: Data(code.utf8)))
    }
}

extension RedisKeys {
    /// An authorization code's grant, by the SHA-256 of the code.
    public static func authorizationCode(digest: String) -> String { "pl:ac:{\(digest)}" }
}
