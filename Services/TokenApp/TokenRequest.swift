import HTTPService

/// The body of `POST /oauth/token` with Auth0's passwordless OTP grant, JSON or form.
///
/// The grant type is read first: it decides which properties are known, so the route checks
/// it before ``DecodableBody/rejectUnknown()``.
///
/// - `otp`: the one-time code.
/// - `realm`: the connection's name.
/// - `nonce`: accepted as Auth0's SDKs send it; the OTP grant's id_token carries no nonce.
struct TokenRequest: DecodableBody {
    enum CodingKeys: String, CodingKey {
        case grantType = "grant_type"
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case username, otp, realm, scope, audience, nonce
    }

    var grantType, clientID, clientSecret, username, otp, realm, scope, audience, nonce: BodyProperty<String>
    var unknownProperty: String?
}
