import Foundation

/// An application registered with a tenant: the `client_id` of Auth0's API.
public struct Client: Sendable, Equatable {
    /// How the client's id_tokens are signed.
    public enum SigningAlgorithm: String, Sendable, CaseIterable, Codable {
        /// With the tenant's current RSA key, published in the JWKS.
        case rs256 = "RS256"
        /// With the tenant's current P-256 key, published in the JWKS.
        case es256 = "ES256"
        /// With the client secret (the client must have one).
        case hs256 = "HS256"

        /// Whether tokens are signed with a tenant key (published in the JWKS) rather than the client secret.
        public var usesTenantKey: Bool { self != .hs256 }
    }

    public var clientID: String
    public var tenantID: UUID
    public var name: String
    public var signingAlgorithm: SigningAlgorithm
    /// HMAC digest of the client secret, when the client has one.
    public var secretDigest: [UInt8]?
    /// The secret itself, sealed, kept only for HS256 clients (signing needs it).
    public var sealedSecret: [UInt8]?

    public init(
        clientID: String, tenantID: UUID, name: String, signingAlgorithm: SigningAlgorithm, secretDigest: [UInt8]?, sealedSecret: [UInt8]?
    ) {
        self.clientID = clientID
        self.tenantID = tenantID
        self.name = name
        self.signingAlgorithm = signingAlgorithm
        self.secretDigest = secretDigest
        self.sealedSecret = sealedSecret
    }

    /// A new client id: 32 characters from `[A-Za-z0-9]`, like Auth0's.
    public static func generateID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// The context string secrets of this client are sealed under.
    public var sealingContext: String { "client:\(clientID)" }
}
