import PasswordlessCore

/// The person a code goes to, normalised once: an E.164 number on an SMS connection, an email
/// address with its domain in lowercase ASCII on an email connection.
///
/// The normalised text is what PostgreSQL stores and what ``RecipientTagger`` turns into a Redis
/// key tag, so the start and the token exchange must produce it the same way, byte for byte:
/// both build it here.
public struct Recipient: Sendable, Hashable, CustomStringConvertible {
    /// The normalised number or address.
    public let normalized: String

    /// The recipient a connection of `strategy` expects in `text`; nil when it is malformed.
    public init?(_ text: String, strategy: Connection.Strategy) {
        switch strategy {
        case .sms:
            guard let number = PhoneNumber(text) else { return nil }
            normalized = number.e164
        case .email:
            guard let address = EmailAddress(text) else { return nil }
            normalized = address.address
        }
    }

    /// The recipient of a start request, which names it in `phone_number` or `email` according
    /// to the connection; a missing or malformed one throws the field's ``Invalid`` error.
    public init(strategy: Connection.Strategy, phoneNumber: String?, email: String?) throws(Invalid) {
        let (field, text): (Field, String?) = strategy == .sms ? (.phoneNumber, phoneNumber) : (.email, email)
        guard let text else { throw Invalid(field: field, missing: true) }
        guard let recipient = Recipient(text, strategy: strategy) else { throw Invalid(field: field, missing: false) }
        self = recipient
    }

    public var description: String { normalized }

    /// The request property that names a recipient.
    public enum Field: String, Sendable {
        case phoneNumber = "phone_number"
        case email
    }

    /// A recipient a request left out or wrote wrongly, with Auth0's wording.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var field: Field
        /// True when the property is absent, false when its value is malformed.
        public var missing: Bool

        public var description: String {
            if missing { return "Missing required property: \(field.rawValue)" }
            switch field {
            case .phoneNumber: return "The phone_number must be in E.164 format (+ and 1 to 15 digits)."
            case .email: return "The email is not a valid address."
            }
        }
    }
}
