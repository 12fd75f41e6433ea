import Foundation
import Hummingbird
import PasswordlessCore

/// Who a request says it is: the `client_id` and, when given, the secret, from the body
/// (`client_secret_post`) or from `Authorization: Basic` (`client_secret_basic`, RFC 6749 §2.3.1).
///
/// One method per request: a secret in both places, or a body `client_id` that differs from
/// the Basic one, is a malformed request rather than a guess at which to believe.
public struct ClientCredentials: Sendable, Equatable {
    /// How the secret arrived.
    public enum Method: String, Sendable {
        case none, post, basic
    }

    public var clientID: String?
    public var secret: String?
    public var method: Method

    public init(clientID: String?, secret: String?, method: Method) {
        self.clientID = clientID
        self.secret = secret
        self.method = method
    }

    /// Reads the credentials from the body's `client_id` and `client_secret` and the request's
    /// `Authorization` header; ``Malformed`` is thrown for a request that gives them in a way no
    /// client should (the caller turns it into its route's error).
    public static func read(_ request: Request, clientID bodyID: String?, clientSecret: String?) throws(Malformed) -> ClientCredentials {
        // An empty secret is no secret (some SDKs send `client_secret: ""` for public clients).
        let bodySecret = clientSecret.flatMap { $0.isEmpty ? nil : $0 }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic ") else {
            return ClientCredentials(clientID: bodyID, secret: bodySecret, method: bodySecret == nil ? .none : .post)
        }
        guard let (basicID, basicSecret) = basic(String(header.dropFirst(6))) else {
            throw Malformed("The Authorization header is not valid HTTP Basic client authentication.")
        }
        if bodySecret != nil { throw Malformed("Use one client authentication method: client_secret in the body or HTTP Basic, not both.") }
        if let bodyID, bodyID != basicID { throw Malformed("The client_id in the body differs from the one in the Authorization header.") }
        return ClientCredentials(clientID: basicID, secret: basicSecret.isEmpty ? nil : basicSecret, method: .basic)
    }

    /// `base64(urlencode(id) ":" urlencode(secret))` → (id, secret).
    static func basic(_ encoded: String) -> (String, String)? {
        guard let data = Data(base64Encoded: encoded.trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        guard let id = text[..<colon].removingPercentEncoding, let secret = text[text.index(after: colon)...].removingPercentEncoding,
            !id.isEmpty
        else { return nil }
        return (id, secret)
    }

    /// Whether these credentials authenticate `client`: a confidential client must present its
    /// secret; a public client has none, so presenting one fails too.
    public func authenticate(_ client: Client, hasher: CredentialHasher) -> Bool {
        guard let secret else { return client.kind == .public }
        guard let digest = client.secretDigest else { return false }
        return hasher.matches(secret, digest: digest)
    }

    /// Credentials given in a way no client should.
    public struct Malformed: Error, Sendable {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
