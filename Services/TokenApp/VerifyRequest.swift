import HTTPService
import Hummingbird

/// The body of `POST /passwordless/verify` as auth0.js's `passwordlessVerify` sends it:
/// `connection`, `verification_code`, `email` or `phone_number`, and its telemetry
/// `auth0Client`; `client_id` when the caller names its client (otherwise `Host` names the
/// tenant).
struct VerifyRequest: DecodableBody {
    enum CodingKeys: String, CodingKey {
        case clientID = "client_id"
        case connection, email
        case phoneNumber = "phone_number"
        case verificationCode = "verification_code"
        case auth0Client
    }

    var clientID, connection, email, phoneNumber, verificationCode, auth0Client: BodyProperty<String>
    var unknownProperty: String?
}

/// The answer of a right code on `/passwordless/verify`: an empty object.
struct VerifyAnswer: ResponseEncodable {}
