import PasswordlessCore

/// The parameters of a sign-in link, as `GET /passwordless/verify_redirect` reads them from the
/// query and the Continue form posts them back: Auth0's `client_id`, `connection`, `email` (or
/// `phone_number`), `verification_code`, and the ``AuthorizationRequest``'s parameters.
///
/// Anything else a link carries (auth0.js adds `auth0Client`, `protocol`, `_csrf`, …) is
/// ignored and not posted back.
struct LinkParameters {
    var values: [String: String]

    /// The names the Continue form posts back.
    static let names = ["client_id", "connection", "email", "phone_number", "verification_code"] + AuthorizationRequest.parameterNames

    /// Empty values are absent; a value with a NUL character (which no identifier has, and
    /// PostgreSQL text cannot hold) is dropped, so the link reads as incomplete.
    init(_ values: [String: String]) {
        self.values = values.filter { Self.names.contains($0.key) && !$0.value.isEmpty && !$0.value.unicodeScalars.contains("\u{0}") }
    }

    var clientID: String? { values["client_id"] }
    var connection: String? { values["connection"] }
    /// The address or number the link was sent to.
    var username: String? { values["email"] ?? values["phone_number"] }
    var code: String? { values["verification_code"] }

    /// The known parameters in a fixed order, for the form's hidden fields.
    var ordered: [(name: String, value: String)] {
        Self.names.compactMap { name in values[name].map { (name, $0) } }
    }
}
