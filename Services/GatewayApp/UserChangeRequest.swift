import HTTPService
import LoginCodes
import PasswordlessCore
import PasswordlessStorage

/// The body of `PATCH /api/v2/users/{id}`: what Auth0's "Update a user" takes, as far as this
/// service keeps it. Any other property is refused (400 "Unknown property").
///
/// A user has one identifier, its connection's: an email user's `email`, an SMS user's
/// `phone_number`; the other one (and its `…_verified`) is refused. A new identifier is
/// normalised as `/passwordless/start` normalises it and, as Auth0 does, is unverified unless
/// the same body says `…_verified: true`.
struct UserChangeRequest: DecodableBody {
    enum CodingKeys: String, CodingKey {
        case blocked, email, connection
        case phoneNumber = "phone_number"
        case emailVerified = "email_verified"
        case phoneVerified = "phone_verified"
    }

    var blocked, emailVerified, phoneVerified: BodyProperty<Bool>
    /// Optional; when given, it must be the user's connection (Auth0 names it to say which identity changes).
    var connection, email, phoneNumber: BodyProperty<String>
    var unknownProperty: String?

    /// The change this body asks of `user`, a user of `connection`; 400 for what that user cannot have.
    func changes(for user: User, connection: Connection) throws(APIError) -> UserRepository.Changes {
        if let name = try self.connection.value, name != connection.name {
            throw .badRequest("The user belongs to the connection \(connection.name), not \(APIError.echo(name)).")
        }
        let (email, phoneNumber) = (try self.email.value, try self.phoneNumber.value)
        let (emailVerified, phoneVerified) = (try self.emailVerified.value, try self.phoneVerified.value)
        let own: (identifier: String?, verified: Bool?)
        switch connection.strategy {
        case .sms:
            guard email == nil, emailVerified == nil else {
                throw .badRequest("A user of an sms connection has a phone_number and phone_verified, not an email.")
            }
            own = (phoneNumber, phoneVerified)
        case .email:
            guard phoneNumber == nil, phoneVerified == nil else {
                throw .badRequest("A user of an email connection has an email and email_verified, not a phone_number.")
            }
            own = (email, emailVerified)
        }
        var changes = UserRepository.Changes(verified: own.verified, blocked: try blocked.value)
        if own.identifier != nil {
            let recipient = try Recipient.parse(strategy: connection.strategy, phoneNumber: phoneNumber, email: email)
            if recipient.normalized != user.identifier {
                changes.identifier = recipient.normalized
                changes.verified = own.verified ?? false
            }
        }
        return changes
    }
}
