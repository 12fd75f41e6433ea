import HTTPService

/// The body of `POST /oauth/ro`, the seed's legacy resource-owner call: the code travels as
/// `password`, the connection by name.
struct ResourceOwnerRequest: DecodableBody {
    enum CodingKeys: String, CodingKey {
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case grantType = "grant_type"
        case idToken = "id_token"
        case username, password, connection, scope, device
    }

    var clientID: BodyProperty<String>
    var clientSecret: BodyProperty<String>
    var username: BodyProperty<String>
    var password: BodyProperty<String>
    var connection: BodyProperty<String>
    var grantType: BodyProperty<String>
    var scope: BodyProperty<String>
    /// Accepted as the seed's clients send them; not used.
    var device: BodyProperty<String>
    var idToken: BodyProperty<String>
    var unknownProperty: String?
}
