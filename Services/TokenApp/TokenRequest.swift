import HTTPService

/// The body of `POST /oauth/token` with Auth0's passwordless OTP grant, JSON or form.
///
/// The grant type is read first: it decides which properties are known, so the route checks
/// it before ``DecodableBody/rejectUnknown()``.
struct TokenRequest: DecodableBody {
    enum CodingKeys: String, CodingKey {
        case grantType = "grant_type"
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case username, otp, realm, scope, audience, nonce
    }

    var grantType: BodyProperty<String>
    var clientID: BodyProperty<String>
    var clientSecret: BodyProperty<String>
    var username: BodyProperty<String>
    /// The one-time code.
    var otp: BodyProperty<String>
    /// The connection's name.
    var realm: BodyProperty<String>
    var scope: BodyProperty<String>
    var audience: BodyProperty<String>
    /// Accepted as Auth0's SDKs send it; the OTP grant's id_token carries no nonce.
    var nonce: BodyProperty<String>
    var unknownProperty: String?
}
