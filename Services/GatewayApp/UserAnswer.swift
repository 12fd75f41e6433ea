import Foundation
import Hummingbird
import PasswordlessCore

/// Auth0's user object, as far as this service keeps one: the body of the management calls.
///
/// `phone_number` and `phone_verified` appear for sms users, `email` for email users; a value
/// the user does not have is left out rather than written as `null`.
struct UserAnswer: ResponseEncodable {
    /// The user's one identity, its connection's.
    struct Identity: Encodable {
        var connection: String
        var provider: String
        var userID: String
        var isSocial = false

        enum CodingKeys: String, CodingKey {
            case connection, provider, isSocial
            case userID = "user_id"
        }
    }

    var id: String
    var userID: String
    var connection: String
    var emailVerified: Bool
    var identities: [Identity]
    var email: String?
    var phoneNumber: String?
    var phoneVerified: Bool?
    /// Present, and true, only for a blocked user (as Auth0 writes it).
    var blocked: Bool?
    /// When the user signed up, as Auth0 writes it (`2026-01-02T03:04:05.678Z`); left out where
    /// the call did not read it (a user just created).
    var createdAt: String?

    enum CodingKeys: String, CodingKey {
        case id = "_id"
        case userID = "user_id"
        case connection, email, identities, blocked
        case emailVerified = "email_verified"
        case phoneNumber = "phone_number"
        case phoneVerified = "phone_verified"
        case createdAt = "created_at"
    }

    init(_ user: User, connection: Connection) {
        id = user.id
        userID = "\(connection.name)|\(user.id)"
        self.connection = connection.name
        emailVerified = user.emailVerified
        identities = [Identity(connection: connection.name, provider: connection.strategy.rawValue, userID: user.id)]
        blocked = user.blocked ? true : nil
        createdAt = user.createdAt.map { $0.formatted(Self.timestamp) }
        switch connection.strategy {
        case .sms:
            phoneNumber = user.phoneNumber
            phoneVerified = user.phoneVerified
        case .email:
            email = user.email
        }
    }

    /// ISO 8601 in UTC with milliseconds.
    static let timestamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
