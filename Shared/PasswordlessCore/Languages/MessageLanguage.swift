import Foundation

/// The language a message is written in, chosen once by the gateway when the code is requested
/// and carried in the send job (``SendJob/language``) to the dispatcher that renders it.
///
/// The first rule that names a supported language wins:
/// 1. `x-request-language` (Auth0's header);
/// 2. the best supported range of `Accept-Language` (by quality, see ``AcceptLanguage``);
/// 3. the language of the phone number's country calling code (SMS);
/// 4. the connection's `--default-language`;
/// 5. English.
///
/// "Supported" means a shipped translation (``DefaultMessages/shipped``), a template the
/// connection has for that language, or the language of the connection's own texts. A tag matches its exact form first, then its shorter
/// prefixes (`fr-CA` → `fr`). Header values are untrusted: anything malformed is ignored.
public struct MessageLanguage: Sendable {
    /// The language when no rule names one.
    public static let fallback = "en"

    /// The normalised tags messages can be written in.
    public let supported: Set<String>

    /// The languages of the shipped translations and of `connection`'s templates, with its
    /// `--default-language` when its own texts are written in it (a language nothing ships, or a
    /// regional form such as `fr-CA`, is then still one its messages can be in).
    public init(connection: Connection) {
        var supported = Self.shipped
        supported.formUnion(connection.templates.keys)
        if connection.hasOwnMessage, let own = connection.defaultLanguage { supported.insert(own) }
        self.supported = supported
    }

    /// The shipped translations' tags, made once (a start asks for them every time).
    static let shipped = Set(DefaultMessages.shipped.keys)

    /// The supported tag `tag` stands for, trying its prefixes; nil when none is supported.
    public func match(_ tag: LanguageTag) -> String? {
        tag.fallbacks.first { supported.contains($0) }
    }

    /// The message's language, by the rules above; always a supported tag.
    public func resolve(requestLanguage: String?, acceptLanguage: String?, phoneNumber: String?, defaultLanguage: String?) -> String {
        if let requested = requestLanguage.flatMap({ LanguageTag($0.trimmingCharacters(in: .whitespaces)) }), let match = match(requested) {
            return match
        }
        if let acceptLanguage, let best = AcceptLanguage(acceptLanguage).ranges.lazy.compactMap({ self.match($0) }).first { return best }
        if let phoneNumber, let country = CountryLanguages.language(ofPhoneNumber: phoneNumber), supported.contains(country) {
            return country
        }
        if let defaultLanguage = defaultLanguage.flatMap(LanguageTag.init), let match = match(defaultLanguage) { return match }
        return Self.fallback
    }
}
