import HTTPService

/// The body of `POST /oauth/token`, JSON or form: the properties of Auth0's passwordless OTP
/// grant and of the authorization-code grant that finishes a sign-in link. Each grant reads
/// what it needs; a property neither grant knows is refused.
///
/// The grant type is read first, so an unsupported grant is named as such before an unknown
/// property is.
///
/// - `otp`: the one-time code; `realm`: the connection's name.
/// - `nonce`: accepted as Auth0's SDKs send it; the OTP grant's id_token carries no nonce.
/// - `code`, `redirect_uri`, `code_verifier`: the authorization-code grant (RFC 6749 §4.1.3,
///   RFC 7636 §4.5).
struct TokenRequest: DecodableBody {
    enum CodingKeys: String, CodingKey {
        case grantType = "grant_type"
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case username, otp, realm, scope, audience, nonce, code
        case redirectURI = "redirect_uri"
        case codeVerifier = "code_verifier"
    }

    var grantType, clientID, clientSecret, username, otp, realm, scope, audience, nonce: BodyProperty<String>
    var code, redirectURI, codeVerifier: BodyProperty<String>
    var unknownProperty: String?
}
