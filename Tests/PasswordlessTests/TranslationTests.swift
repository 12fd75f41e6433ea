import Foundation
import PasswordlessCore
import Testing

@testable import Delivery

/// The shipped translations and rendering in a language: every language has every phrase with its
/// placeholders, its SMS fits one segment, RTL and CJK emails are marked up for their script, and
/// templates take precedence as the README says.
@Suite("Translations")
struct TranslationTests {
    static let link = "https://acme.example.com/passwordless/verify_redirect?verification_code=482913"

    static func connection(_ strategy: Connection.Strategy = .email) -> Connection {
        Connection(
            id: UUID(), tenantID: UUID(), name: strategy.rawValue, strategy: strategy, provider: .outbox,
            settings: ProviderSettings(outboxFile: "/dev/null"), sealedCredentials: nil, template: nil, subject: nil, codeLength: 6,
            codeTTLSeconds: 600, disableSignup: false)
    }

    static func render(_ connection: Connection, language: String?, link: String? = nil, code: String = "482913") throws -> RenderedMessage
    {
        try RenderedMessage.render(
            jobID: "job-1", code: code, link: link, recipient: "+33612345678", applicationName: "Acme", connection: connection,
            language: language)
    }

    @Test func atLeastTwelveLanguagesShipWithARightToLeftAndACJKOne() {
        let tags = Set(DefaultMessages.shipped.keys)
        #expect(tags.count >= 12)
        #expect(tags.isSuperset(of: ["en", "es", "fr", "de", "it", "pt", "nl", "pl", "tr", "ru", "ar", "he", "ja", "ko", "zh", "hi"]))
        for (tag, messages) in DefaultMessages.shipped {
            #expect(messages.language == tag && LanguageTag(tag)?.description == tag, "\(tag) is not a normalised tag")
        }
    }

    @Test(arguments: DefaultMessages.shipped.keys.sorted()) func everyPhraseKeepsItsPlaceholders(language: String) throws {
        let m = try #require(DefaultMessages.shipped[language])
        let phrases = [
            m.sms, m.codeSubject, m.codeLabel, m.codeExpiry, m.codeIgnore, m.linkSubject, m.linkIntro, m.linkPrompt, m.button,
            m.codeInstead, m.linkExpiry, m.linkIgnore,
        ]
        #expect(phrases.allSatisfy { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
        let expected: [(String, [String])] = [
            (m.sms, ["@@password@@"]), (m.codeExpiry, ["@@minutes@@"]), (m.linkExpiry, ["@@minutes@@"]),
            (m.linkSubject, ["@@application.name@@"]), (m.linkIntro, ["@@application.name@@"]), (m.linkPrompt, ["@@application.name@@"]),
            (m.button, ["@@application.name@@"]),
        ]
        let all = ["@@password@@", "@@minutes@@", "@@application.name@@", "@@link@@"]
        for (phrase, placeholders) in expected {
            for placeholder in all {
                let count = phrase.components(separatedBy: placeholder).count - 1
                #expect(count == (placeholders.contains(placeholder) ? 1 : 0), "\(language): \(placeholder) in \(phrase)")
            }
        }
        for phrase in [m.codeSubject, m.codeLabel, m.codeIgnore, m.codeInstead, m.linkIgnore] {
            #expect(!phrase.contains("@@"), "\(language): \(phrase)")
        }
        // A language's texts are not English ones left untranslated.
        if language != "en" {
            let english = try #require(DefaultMessages.shipped["en"])
            #expect(m.sms != english.sms && m.linkIntro != english.linkIntro && m.codeIgnore != english.codeIgnore, "\(language)")
        }
    }

    @Test(arguments: DefaultMessages.shipped.keys.sorted()) func everySMSFitsOneSegmentWithItsCode(language: String) throws {
        for code in ["482913", "4829135071"] {
            let message = try Self.render(Self.connection(.sms), language: language, code: code)
            #expect(message.body.contains(code) && message.language == language)
            let segments = SMSSegments(message.body)
            #expect(segments.count == 1, "\(language): \(message.body) needs \(segments)")
        }
    }

    @Test func frenchAndGermanSMSStayGSM7() throws {
        for language in ["en", "fr", "de", "it", "nl"] {
            #expect(SMSSegments(try Self.render(Self.connection(.sms), language: language).body).encoding == .gsm7, "\(language)")
        }
        #expect(try Self.render(Self.connection(.sms), language: "fr").body == "Votre code de vérification : 482913")
    }

    @Test func arabicEmailIsRightToLeft() throws {
        let message = try Self.render(Self.connection(), language: "ar", link: Self.link)
        let html = try #require(message.html)
        #expect(html.contains(#"<html lang="ar" dir="rtl">"#))
        #expect(html.contains(#"lang="ar" dir="rtl" style="#), "the article carries the direction too")
        #expect(html.contains(#"dir="ltr">482913</p>"#), "the code reads left to right inside RTL text")
        #expect(message.subject == "تسجيل الدخول إلى Acme")
        #expect(message.body.hasPrefix("سجّل الدخول إلى Acme بفتح هذا الرابط:\n\n\(Self.link)\n"))
        #expect(html.contains(">تسجيل الدخول إلى Acme</a>"))
        #expect(message.language == "ar")
        let hebrew = try #require(try Self.render(Self.connection(), language: "he").html)
        #expect(hebrew.contains(#"<html lang="he" dir="rtl">"#) && hebrew.contains("קוד האימות שלך:"))
    }

    @Test func japaneseEmailHasNoSpacesBetweenSentences() throws {
        let message = try Self.render(Self.connection(), language: "ja")
        #expect(message.subject == "認証コードのお知らせ")
        #expect(message.body == "認証コードは 482913 です。\n\n有効期限は10分です。お心当たりのない場合は、このメールを破棄してください。")
        let html = try #require(message.html)
        #expect(
            html.contains(#"<html lang="ja">"#) && !html.contains("dir=\"rtl\"") && html.contains("<p style=\"margin:0 0 8px;\">認証コード：</p>")
        )
        let link = try Self.render(Self.connection(), language: "ja", link: Self.link)
        #expect(link.body.contains("または、こちらのコードを入力してください：482913"))
        #expect(try #require(link.html).contains(">Acmeにログイン</a>"))
    }

    @Test func anUnshippedLanguageUsesItsPrefixThenEnglish() throws {
        #expect(try Self.render(Self.connection(), language: "fr-CA").subject == "Votre code de vérification")
        #expect(try Self.render(Self.connection(), language: "fr-CA").language == "fr")
        #expect(try Self.render(Self.connection(), language: "sw").subject == "Your verification code")
        #expect(try Self.render(Self.connection(), language: nil).language == "en")
        #expect(try Self.render(Self.connection(), language: "not a tag").language == "en")
    }

    @Test func templatesTakePrecedenceAsDocumented() throws {
        var connection = Self.connection(.sms)
        connection.template = "Acme: @@password@@"
        // Own template, no default language: used for every language without a template.
        #expect(try Self.render(connection, language: "ja").body == "Acme: 482913")
        #expect(try Self.render(connection, language: "ja").language == nil)
        // With a default language, only for that language; others get the shipped translation.
        connection.defaultLanguage = "en"
        #expect(try Self.render(connection, language: "en").body == "Acme: 482913")
        #expect(try Self.render(connection, language: nil).body == "Acme: 482913", "no language means the default one")
        #expect(try Self.render(connection, language: "de").body == "Ihr Bestätigungscode lautet: 482913")
        // A template for the language wins over both.
        connection.templates["de"] = ConnectionTemplate(language: "de", body: "Acme-Code: @@password@@")
        connection.templates["en"] = ConnectionTemplate(language: "en", body: "Acme code: @@password@@")
        #expect(try Self.render(connection, language: "de").body == "Acme-Code: 482913")
        #expect(try Self.render(connection, language: "en").body == "Acme code: 482913")
        #expect(try Self.render(connection, language: "de").language == "de")
    }

    @Test func aLanguageTemplateWithoutSubjectOrHTMLTakesThemFromItsLanguage() throws {
        var connection = Self.connection()
        connection.subject = "Acme code"
        connection.defaultLanguage = "en"
        connection.templates["fr"] = ConnectionTemplate(language: "fr", body: "Code Acme : @@password@@")
        let message = try Self.render(connection, language: "fr", link: Self.link)
        #expect(message.subject == "Connexion à Acme")
        #expect(message.body == "Code Acme : 482913\n\n\(Self.link)\n")
        let html = try #require(message.html)
        #expect(html.contains(#"<html lang="fr">"#) && html.contains("Code Acme : 482913") && html.contains(">Se connecter à Acme</a>"))
        connection.templates["fr"]?.subject = "Votre code Acme"
        connection.templates["fr"]?.html = "<p>@@password@@</p>"
        let custom = try Self.render(connection, language: "fr")
        #expect(custom.subject == "Votre code Acme" && custom.html == "<p>482913</p>")
        let arabic = ConnectionTemplate(language: "ar", body: "رمز Acme: @@password@@")
        connection.templates["ar"] = arabic
        #expect(try #require(try Self.render(connection, language: "ar").html).contains(#"<html lang="ar" dir="rtl">"#))
    }
}
