/// The phrases of the messages a connection sends when it has no template of its own for a
/// language, in one language. One file per language (`DefaultMessages+<tag>.swift`) holds its
/// phrases, so a reviewer reads a language in one place; the texts and the HTML are assembled
/// from them (``smsTemplate``, ``codeEmailText``, ``linkEmailText``; the HTML in Delivery's
/// `DefaultEmail`).
///
/// Placeholders are those of templates: `@@password@@` the code, `@@application.name@@` the
/// application's name, `@@minutes@@` the code's lifetime in minutes. Each SMS fits one segment
/// with a 10-digit code (checked by a test).
public struct DefaultMessages: Sendable {
    /// The BCP 47 tag, normalised (``LanguageTag``).
    public let language: String
    /// The SMS, and the first line of the code email: "Your verification code is: @@password@@".
    public let sms: String
    /// The code email's subject.
    public let codeSubject: String
    /// The label above the code in the code email's HTML: "Your verification code is:".
    public let codeLabel: String
    /// "It expires in @@minutes@@ minutes."
    public let codeExpiry: String
    /// "If you did not ask for it, ignore this email."
    public let codeIgnore: String
    /// The subject of an email with a sign-in link.
    public let linkSubject: String
    /// The text part's line above the link: "Sign in to @@application.name@@ by opening this link:".
    public let linkIntro: String
    /// The HTML part's line above the button: "Select the button to sign in to @@application.name@@.".
    public let linkPrompt: String
    /// The button's label: "Sign in to @@application.name@@".
    public let button: String
    /// The label before the code in a link email: "Or type this code instead:".
    public let codeInstead: String
    /// "The link and the code expire in @@minutes@@ minutes."
    public let linkExpiry: String
    /// "If you did not ask for this, ignore this email."
    public let linkIgnore: String

    /// What separates sentences and a label from its value: a space, but nothing in Chinese
    /// and Japanese, which do not put spaces between words.
    public var space: String { ["zh", "ja"].contains(language) ? "" : " " }

    /// Every shipped translation by tag.
    public static let shipped: [String: DefaultMessages] = Dictionary(
        uniqueKeysWithValues: [
            english, spanish, french, german, italian, portuguese, dutch, polish, turkish, russian, arabic, hebrew, japanese, korean,
            chinese, hindi,
        ].map { ($0.language, $0) })

    /// The translation for `tag` (or its shorter prefixes), else English.
    public static func best(for tag: String?) -> DefaultMessages {
        tag.flatMap(LanguageTag.init)?.fallbacks.lazy.compactMap { shipped[$0] }.first ?? english
    }

    /// The SMS template.
    public var smsTemplate: String { sms }

    /// The text part of a code email.
    public var codeEmailText: String { "\(sms)\n\n\(codeExpiry)\(space)\(codeIgnore)" }

    /// The text part of an email with a sign-in link; the link on a line of its own.
    public var linkEmailText: String {
        "\(linkIntro)\n\n@@link@@\n\n\(codeInstead)\(space)@@password@@\n\n\(linkExpiry)\(space)\(linkIgnore)"
    }
}
