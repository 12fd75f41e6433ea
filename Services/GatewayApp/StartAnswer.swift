import Hummingbird

/// The answer of `/passwordless/start`: `{"_id","email","email_verified"}` or
/// `{"_id","phone_number","phone_verified","request_language"}` as Auth0 gives them.
///
/// The same body whether the user existed, was created, or (sign-ups disabled) does not exist:
/// `*_verified` is always false here, so the answer reveals nothing about who exists.
enum StartAnswer: ResponseEncodable {
    case email(userID: String, email: String)
    /// `language` is the request's `X-Request-Language`, written as `null` when there was none.
    case sms(userID: String, phoneNumber: String, language: String?)

    private enum CodingKeys: String, CodingKey {
        case id = "_id"
        case email
        case emailVerified = "email_verified"
        case phoneNumber = "phone_number"
        case phoneVerified = "phone_verified"
        case requestLanguage = "request_language"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .email(let userID, let email):
            try container.encode(userID, forKey: .id)
            try container.encode(email, forKey: .email)
            try container.encode(false, forKey: .emailVerified)
        case .sms(let userID, let phoneNumber, let language):
            try container.encode(userID, forKey: .id)
            try container.encode(phoneNumber, forKey: .phoneNumber)
            try container.encode(false, forKey: .phoneVerified)
            if let language {
                try container.encode(language, forKey: .requestLanguage)
            } else {
                try container.encodeNil(forKey: .requestLanguage)
            }
        }
    }
}
