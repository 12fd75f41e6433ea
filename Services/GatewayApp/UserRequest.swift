import HTTPService

/// The body of the management calls that create a user, `POST /api/users` and
/// `POST /api/v2/users`: the connection, the address, and whether the caller vouches for it.
struct UserRequest: DecodableBody {
    enum CodingKeys: String, CodingKey {
        case connection, email
        case phoneNumber = "phone_number"
        case emailVerified = "email_verified"
        case phoneVerified = "phone_verified"
        /// Accepted as Auth0 does; there is no verification email to skip.
        case verifyEmail = "verify_email"
    }

    var connection, email, phoneNumber: BodyProperty<String>
    var emailVerified, phoneVerified, verifyEmail: BodyProperty<Bool>
    var unknownProperty: String?
}
