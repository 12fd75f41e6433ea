import HTTPService

/// The body of `POST /passwordless/start`, JSON or form.
///
/// Every property is read by the route in its own order (see ``BodyProperty``); `authParams` is
/// any JSON value, checked by ``AuthParams`` last.
///
/// - `send`: `code` or `link`; absent means `code` for sms, `link` for email.
struct StartRequest: DecodableBody {
    enum CodingKeys: String, CodingKey {
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case connection, email, send, authParams
        case phoneNumber = "phone_number"
    }

    var clientID, clientSecret, connection, email, phoneNumber, send: BodyProperty<String>
    var authParams: JSONValue?
    var unknownProperty: String?
}
