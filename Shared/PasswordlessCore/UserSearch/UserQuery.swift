/// What a user search looks for: the one term of `GET /api/v2/users`' `q` (and of
/// `passwordless-admin user list --query`), a small subset of Auth0's Lucene syntax.
///
/// - `email:"ada@example.com"`, `phone_number:"+14155550100"` (quotes optional): exactly that
///   address or number, normalised as `/passwordless/start` normalises it (so
///   `email:"Ada@Example.COM"` and `phone_number:"+1 415 555 0100"` find the stored user);
/// - `email:ada*`, `phone_number:+1415*`: the address or number starts with the term (Auth0's
///   wildcard, at the end only);
/// - a bare term, `ada` or `+1415` (a trailing `*` is allowed): an email address that starts with
///   it (case-insensitive) or, when the term is a phone number's beginning (digits, with or without
///   `+`, spaces or dashes), a number that starts with it.
///
/// Prefixes rather than substrings: a prefix is a range of the `(tenant_id, identifier)` index,
/// so a search stays an index scan in a tenant of a million users, where a substring would read
/// every row. Anything else (other fields, `AND`/`OR`, several terms, a leading `*`) is refused
/// with a ``UserSearchError`` rather than silently misread.
public struct UserQuery: Sendable, Equatable {
    /// The identifier a term is matched against.
    public enum Field: String, Sendable, CaseIterable {
        case email
        case phoneNumber = "phone_number"
    }

    /// One way the stored identifier may match: equal to `value`, or starting with it.
    public struct Term: Sendable, Equatable {
        public var value: String
        public var isPrefix: Bool

        public init(_ value: String, isPrefix: Bool) {
            self.value = value
            self.isPrefix = isPrefix
        }
    }

    /// The kinds of user the search may return: email users, SMS users, or both (a bare term).
    public var fields: Set<Field>
    /// A user matches when its identifier matches any of these (one or two).
    public var terms: [Term]

    public init(fields: Set<Field>, terms: [Term]) {
        self.fields = fields
        self.terms = terms
    }

    /// The most characters a query may have; an identifier is shorter.
    public static let maximumLength = 320

    /// The query `text` asks for; nil when it is empty (every user).
    public static func parse(_ text: String?) throws(UserSearchError) -> UserQuery? {
        let text = (text ?? "").trimmingWhitespace
        guard !text.isEmpty else { return nil }
        guard text.count <= maximumLength else { throw invalid("is longer than \(maximumLength) characters") }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw invalid("contains a control character")
        }
        if let colon = text.firstIndex(of: ":") {
            let name = String(text[..<colon])
            guard let field = Field(rawValue: name) else {
                throw invalid("searches only email, phone_number or a bare term, not \(quoted(name))")
            }
            return try fieldQuery(field, String(text[text.index(after: colon)...]))
        }
        return try bareQuery(text)
    }

    /// `email:…` or `phone_number:…`.
    private static func fieldQuery(_ field: Field, _ raw: String) throws(UserSearchError) -> UserQuery {
        let (value, isPrefix) = try unwrap(raw)
        switch (field, isPrefix) {
        case (.email, false):
            guard let address = EmailAddress(value) else { throw invalid("email:\(quoted(value)) is not a valid email address") }
            return UserQuery(fields: [.email], terms: [Term(address.address, isPrefix: false)])
        case (.phoneNumber, false):
            guard let number = PhoneNumber(value) else {
                throw invalid("phone_number:\(quoted(value)) is not a phone number in E.164 format (+ and 7 to 15 digits)")
            }
            return UserQuery(fields: [.phoneNumber], terms: [Term(number.e164, isPrefix: false)])
        case (.email, true):
            return UserQuery(fields: [.email], terms: [Term(value.lowercased(), isPrefix: true)])
        case (.phoneNumber, true):
            guard let digits = phonePrefix(value) else {
                throw invalid("phone_number:\(quoted(value))* is not the start of a phone number")
            }
            return UserQuery(fields: [.phoneNumber], terms: [Term(digits, isPrefix: true)])
        }
    }

    /// A bare term: an email prefix, and a phone number prefix when it reads as one.
    private static func bareQuery(_ raw: String) throws(UserSearchError) -> UserQuery {
        let (value, _) = try unwrap(raw)
        var terms = [Term(value.lowercased(), isPrefix: true)]
        if let digits = phonePrefix(value), digits != terms[0].value { terms.append(Term(digits, isPrefix: true)) }
        return UserQuery(fields: Set(Field.allCases), terms: terms)
    }

    /// The value without its quotes, and whether it ends with the prefix wildcard `*`.
    private static func unwrap(_ raw: String) throws(UserSearchError) -> (value: String, isPrefix: Bool) {
        var value = Substring(raw)
        var isPrefix = false
        let isQuoted = value.count >= 2 && value.first == "\"" && value.last == "\""
        if isQuoted {
            value = value.dropFirst().dropLast()
        } else if value.last == "*" {
            value = value.dropLast()
            isPrefix = true
        }
        guard !value.isEmpty else { throw invalid("has an empty term") }
        guard !value.contains(where: { $0 == "\"" || $0 == "*" }) else {
            throw invalid("takes one term, with * only at its end: \(quoted(String(value)))")
        }
        // Unquoted, spaces belong only inside a phone number (`+1 415 555 0100`); elsewhere they separate terms.
        guard isQuoted || !value.contains(where: \.isWhitespace) || phonePrefix(String(value)) != nil else {
            throw invalid("takes one term; AND, OR, groups and several terms are not supported")
        }
        return (String(value), isPrefix)
    }

    /// `+1 415`, `1415-55` → `+141555`: the beginning of an E.164 number; nil when `text` holds
    /// anything but digits, one leading `+` and the separators people type.
    static func phonePrefix(_ text: String) -> String? {
        var digits = ""
        for (offset, character) in text.enumerated() {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if character == "+", offset == 0 {
                continue
            } else if !" -.()".contains(character) {
                return nil
            }
        }
        return digits.isEmpty ? nil : "+" + digits
    }

    private static func invalid(_ problem: String) -> UserSearchError { UserSearchError(.query, problem) }

    /// Caller input as an error may quote it: short, one line.
    private static func quoted(_ text: String) -> String {
        let line = String(text.map { $0.isNewline || $0.asciiValue.map { $0 < 32 } == true ? "?" : $0 })
        return "\"" + (line.count <= 40 ? line : String(line.prefix(40)) + "…") + "\""
    }
}
