import HTTPService

/// The body of `POST /oauth/ro`, the seed's legacy resource-owner call: the code travels as
/// `password`, the connection by name.
///
/// - `device`, `id_token`: accepted as the seed's clients send them; not used.
struct ResourceOwnerRequest: DecodableBody {
    enum CodingKeys: String, CodingKey {
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case grantType = "grant_type"
        case idToken = "id_token"
        case username, password, connection, scope, device
    }

    var clientID, clientSecret, username, password, connection, grantType, scope, device, idToken: BodyProperty<String>
    var unknownProperty: String?
}
