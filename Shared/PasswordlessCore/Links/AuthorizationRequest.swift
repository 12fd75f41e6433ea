import Crypto
import Foundation

/// What a sign-in link asks for once its code is used: Auth0's `authParams` of
/// `/passwordless/start`, which travel in the link to `/passwordless/verify_redirect`.
///
/// Checked against the client's registration, never taken on trust: the `redirect_uri` must be
/// one of its callbacks (exact match), the response type one of its grants, and a public client
/// asking for an authorization code must use PKCE (S256), because anyone can read its client id.
/// The gateway checks it when it sends the link, the token service again when the link is used.
public struct AuthorizationRequest: Sendable, Equatable, Codable {
    /// Auth0's `response_type` values for links.
    public enum ResponseType: String, Sendable, CaseIterable, Codable {
        /// An authorization code in the query, exchanged at `/oauth/token`.
        case code
        /// An access token in the fragment.
        case token
        /// An id_token in the fragment.
        case idToken = "id_token"
        /// Both, in the fragment.
        case idTokenToken = "id_token token"

        /// The client grant this response type needs.
        public var grant: Client.GrantType { self == .code ? .authorizationCode : .implicit }
        /// Whether the answer carries an id_token (and so needs a `nonce`, OIDC Core §3.2.2.1).
        public var hasIDToken: Bool { self == .idToken || self == .idTokenToken }
        /// Whether the answer carries an access token in the fragment.
        public var hasAccessToken: Bool { self == .token || self == .idTokenToken }

        /// `token id_token` and `id_token token` are the same request (the order is free).
        init?(parameter: String) {
            let words = parameter.split(separator: " ").map(String.init).sorted()
            switch words {
            case ["code"]: self = .code
            case ["token"]: self = .token
            case ["id_token"]: self = .idToken
            case ["id_token", "token"]: self = .idTokenToken
            default: return nil
            }
        }
    }

    /// Why a request cannot be honoured.
    public enum Invalid: Error, Equatable {
        /// The `redirect_uri` is missing (and the client has not exactly one callback) or not one
        /// of the client's callbacks: Auth0's `bad.redirect_uri`. Never redirected to.
        case redirectURI(String)
        /// Another parameter is missing or malformed: Auth0's `bad.authParams`.
        case parameter(String)
        /// The client may not use the grant the response type needs.
        case grantNotAllowed(Client.GrantType)
    }

    public var responseType: ResponseType
    public var redirectURI: String
    public var scope: String?
    public var state: String?
    public var nonce: String?
    public var audience: String?
    /// The PKCE challenge (RFC 7636), always S256.
    public var codeChallenge: String?

    /// The parameters names, in the order a link carries them.
    public static let parameterNames = [
        "response_type", "redirect_uri", "scope", "state", "nonce", "audience", "code_challenge", "code_challenge_method",
    ]

    /// Reads and checks the parameters (absent and empty are the same) for `client`.
    ///
    /// Without `response_type` the answer is an authorization code; without `redirect_uri` a
    /// client with exactly one callback is sent back there.
    public init(_ parameters: [String: String], client: Client) throws(Invalid) {
        func value(_ name: String) -> String? { parameters[name].flatMap { $0.isEmpty ? nil : $0 } }
        let typeText = value("response_type") ?? "code"
        guard let type = ResponseType(parameter: typeText) else {
            throw .parameter("Unsupported response_type: use code, token, id_token or id_token token.")
        }
        guard client.allows(type.grant) else { throw .grantNotAllowed(type.grant) }
        guard let redirect = value("redirect_uri") ?? (client.callbacks.count == 1 ? client.callbacks[0] : nil) else {
            throw .redirectURI("Missing required parameter: redirect_uri")
        }
        guard client.callbacks.contains(redirect) else {
            throw .redirectURI("The redirect_uri is not one of the client's callbacks.")
        }
        let challenge = value("code_challenge")
        if let method = value("code_challenge_method"), method != "S256" {
            throw .parameter("Unsupported code_challenge_method: use S256.")
        }
        if let challenge {
            guard type == .code else { throw .parameter("code_challenge is only used with response_type code.") }
            guard value("code_challenge_method") == "S256" else { throw .parameter("code_challenge_method must be S256.") }
            guard Self.isPKCEValue(challenge) else {
                throw .parameter("code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~.")
            }
        } else if type == .code, client.kind == .public {
            throw .parameter("A public client must use PKCE: send code_challenge and code_challenge_method S256.")
        }
        if type.hasIDToken, value("nonce") == nil {
            throw .parameter("response_type \(type.rawValue) needs a nonce.")
        }
        self.responseType = type
        self.redirectURI = redirect
        self.scope = value("scope")
        self.state = value("state")
        self.nonce = value("nonce")
        self.audience = value("audience")
        self.codeChallenge = challenge
    }

    /// The parameters as a link or a form carries them, absent values left out.
    public var parameters: [(name: String, value: String)] {
        let values: [String?] = [
            responseType.rawValue, redirectURI, scope, state, nonce, audience, codeChallenge, codeChallenge == nil ? nil : "S256",
        ]
        return zip(Self.parameterNames, values).compactMap { name, value in value.map { (name, $0) } }
    }

    /// A digest of the request as `clientID` sent it, stored with a link's code: the link is
    /// honoured only with exactly these parameters, so whoever sees a link cannot swap in their
    /// own PKCE challenge or response type.
    public func binding(clientID: String) -> String {
        let canonical = ([("client_id", clientID)] + parameters).map { "\($0.name)=\($0.value)" }.joined(separator: "\n")
        return Hex.encode(SHA256.hash(data: Data(canonical.utf8)))
    }

    /// A PKCE verifier or challenge: 43 to 128 unreserved characters (RFC 7636 §4.1).
    public static func isPKCEValue(_ text: String) -> Bool {
        (43...128).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            }
    }

}
