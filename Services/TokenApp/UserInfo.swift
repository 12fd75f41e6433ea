import Hummingbird

/// The body of `GET /userinfo`: the claims remembered with the access token (see
/// `TokenIssuer`), the `*_verified` ones as booleans; a claim the token does not carry is left out.
struct UserInfo: ResponseEncodable {
    var sub: String?
    var email: String?
    var emailVerified: Bool?
    var phoneNumber: String?
    var phoneNumberVerified: Bool?
    var name: String?

    enum CodingKeys: String, CodingKey {
        case sub, email, name
        case emailVerified = "email_verified"
        case phoneNumber = "phone_number"
        case phoneNumberVerified = "phone_number_verified"
    }

    /// From the stored claims, where booleans are the string `"true"`.
    init(claims: [String: String]) {
        sub = claims["sub"]
        email = claims["email"]
        emailVerified = claims["email_verified"].map { $0 == "true" }
        phoneNumber = claims["phone_number"]
        phoneNumberVerified = claims["phone_number_verified"].map { $0 == "true" }
        name = claims["name"]
    }
}
