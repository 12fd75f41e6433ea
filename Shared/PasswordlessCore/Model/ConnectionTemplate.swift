/// A connection's own message in one language (`connection template set`): it wins over the
/// shipped translation of that language and over the connection's `--template`.
public struct ConnectionTemplate: Sendable, Equatable, Codable {
    /// The normalised BCP 47 tag (``LanguageTag``).
    public var language: String
    /// The email subject; the shipped one of the language when nil.
    public var subject: String?
    /// The SMS, or the email's text part, with the placeholders of `--template`.
    public var body: String
    /// The email's HTML part; when nil, ``body`` turned into HTML.
    public var html: String?

    public init(language: String, subject: String? = nil, body: String, html: String? = nil) {
        self.language = language
        self.subject = subject
        self.body = body
        self.html = html
    }
}
