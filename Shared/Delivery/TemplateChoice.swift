import PasswordlessCore

/// Which texts render a message in language `L`, in order of precedence:
///
/// 1. the connection's template for `L` (`connection template set`);
/// 2. the connection's own `--template`, `--subject`, `--html-template`, when `L` is its
///    `--default-language`, or when it has no default language (its own texts are then used for
///    every language without a template of its own, as before languages existed);
/// 3. the shipped translation of `L` (or of its prefix: `fr-CA` → `fr`);
/// 4. English.
///
/// A part a chosen template leaves out (an email subject, the HTML part) comes from the shipped
/// translation of the template's language.
struct TemplateChoice {
    /// The SMS or email text template; nil: the shipped one of ``phrases``.
    var template: String?
    var subject: String?
    var htmlTemplate: String?
    /// The shipped phrases for what the templates leave out.
    var phrases: DefaultMessages
    /// The language the chosen texts are written in; nil when the connection's own texts are
    /// used and it does not say their language.
    var language: String?

    init(language requested: String?, connection: Connection) {
        let language = requested.flatMap(LanguageTag.init)?.description ?? connection.defaultLanguage
        if let language, let own = connection.templates[language] {
            (template, subject, htmlTemplate) = (own.body, own.subject, own.html)
            phrases = DefaultMessages.best(for: language)
            self.language = language
        } else if connection.hasOwnMessage, connection.defaultLanguage == nil || connection.defaultLanguage == language {
            (template, subject, htmlTemplate) = (connection.template, connection.subject, connection.htmlTemplate)
            phrases = DefaultMessages.best(for: connection.defaultLanguage)
            self.language = connection.defaultLanguage
        } else {
            phrases = DefaultMessages.best(for: language)
            self.language = phrases.language
        }
    }
}
