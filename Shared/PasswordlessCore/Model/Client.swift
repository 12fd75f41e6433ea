import Foundation

/// An application registered with a tenant: the `client_id` of Auth0's API.
///
/// What a client may do is registered, never taken from the request: its type decides whether it
/// must authenticate, its grant types which flows it may use, its callbacks where a browser may be
/// sent back to, and its web origins which pages may call the API from a browser (CORS).
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

    /// Whether the client can keep a secret (Auth0's application types, reduced to what matters).
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// A single-page or native app: no secret, anyone can read its client id.
        case `public`
        /// A backend: has a secret and must present it on every call that names the client.
        case confidential
    }

    /// The flows a client may use (`--grant-types`).
    public enum GrantType: String, Sendable, CaseIterable, Codable {
        /// The passwordless OTP grant (`/passwordless/start` with a code, `/oauth/token`).
        case otp
        /// Magic links answered with an authorization code.
        case authorizationCode = "authorization_code"
        /// Magic links answered with tokens in the URL fragment.
        case implicit
        /// The seed's legacy `/oauth/ro`.
        case password

        /// What a client gets when `--grant-types` is not given.
        public static let defaults: [GrantType] = [.otp, .authorizationCode, .password]

        /// The `grant_type` value Auth0 uses for this grant in error messages.
        public var oauthName: String {
            switch self {
            case .otp: "http://auth0.com/oauth/grant-type/passwordless/otp"
            case .authorizationCode: "authorization_code"
            case .implicit: "implicit"
            case .password: "password"
            }
        }
    }

    public var clientID: String
    public var tenantID: UUID
    public var name: String
    public var signingAlgorithm: SigningAlgorithm
    /// HMAC digest of the client secret, when the client has one.
    public var secretDigest: [UInt8]?
    /// The secret itself, sealed, kept only for HS256 clients (signing needs it).
    public var sealedSecret: [UInt8]?
    public var kind: Kind
    /// Allowed `redirect_uri`s, matched exactly.
    public var callbacks: [String]
    /// Origins (`scheme://host[:port]`) whose pages may call the API from a browser.
    public var webOrigins: [String]
    public var grantTypes: [GrantType]

    public init(
        clientID: String, tenantID: UUID, name: String, signingAlgorithm: SigningAlgorithm, secretDigest: [UInt8]?, sealedSecret: [UInt8]?,
        kind: Kind? = nil, callbacks: [String] = [], webOrigins: [String] = [], grantTypes: [GrantType] = GrantType.defaults
    ) {
        self.clientID = clientID
        self.tenantID = tenantID
        self.name = name
        self.signingAlgorithm = signingAlgorithm
        self.secretDigest = secretDigest
        self.sealedSecret = sealedSecret
        self.kind = kind ?? (secretDigest == nil ? .public : .confidential)
        self.callbacks = callbacks
        self.webOrigins = webOrigins
        self.grantTypes = grantTypes
    }

    /// A new client id: 32 characters from `[A-Za-z0-9]`, like Auth0's.
    public static func generateID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// The context string secrets of this client are sealed under.
    public var sealingContext: String { "client:\(clientID)" }

    /// Whether the client may use `grant`.
    public func allows(_ grant: GrantType) -> Bool { grantTypes.contains(grant) }

    /// Whether a page served from `origin` may call the API as this client.
    public func allowsOrigin(_ origin: String) -> Bool { webOrigins.contains(Self.normalizedOrigin(origin)) }

    /// `HTTPS://App.Example.com:443/` → `https://app.example.com`: origins compare without case,
    /// default ports or a trailing slash, as browsers send them.
    public static func normalizedOrigin(_ text: String) -> String {
        var origin = text.trimmingCharacters(in: .whitespaces).lowercased()
        while origin.hasSuffix("/") { origin.removeLast() }
        if origin.hasPrefix("https://"), origin.hasSuffix(":443") { origin.removeLast(4) }
        if origin.hasPrefix("http://"), origin.hasSuffix(":80") { origin.removeLast(3) }
        return origin
    }
}
