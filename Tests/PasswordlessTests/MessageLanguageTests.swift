import Delivery
import Foundation
import PasswordlessCore
import Testing

/// How a message's language is chosen (`MessageLanguage`): each rule, their order, and headers
/// that are malformed or hostile.
@Suite("Message language")
struct MessageLanguageTests {
    static func connection(default defaultLanguage: String? = nil, templates: [String] = []) -> Connection {
        var connection = Connection(
            id: UUID(), tenantID: UUID(), name: "sms", strategy: .sms, provider: .outbox, settings: ProviderSettings(),
            sealedCredentials: nil, template: nil, subject: nil, codeLength: 6, codeTTLSeconds: 600, disableSignup: false)
        connection.defaultLanguage = defaultLanguage
        for language in templates { connection.templates[language] = ConnectionTemplate(language: language, body: "@@password@@") }
        return connection
    }

    static func resolve(
        _ request: String? = nil, accept: String? = nil, phone: String? = nil, connection: Connection = connection()
    ) -> String {
        MessageLanguage(connection: connection).resolve(
            requestLanguage: request, acceptLanguage: accept, phoneNumber: phone, defaultLanguage: connection.defaultLanguage)
    }

    @Test func eachRuleInItsOrder() {
        let connection = Self.connection(default: "de")
        // 1. x-request-language beats everything.
        #expect(Self.resolve("ja", accept: "fr", phone: "+33612345678", connection: connection) == "ja")
        // 2. then Accept-Language.
        #expect(Self.resolve(nil, accept: "fr", phone: "+819012345678", connection: connection) == "fr")
        // 3. then the phone number's country.
        #expect(Self.resolve(nil, accept: nil, phone: "+819012345678", connection: connection) == "ja")
        // 4. then the connection's default language.
        #expect(Self.resolve(nil, accept: nil, phone: "+15555550100", connection: Self.connection(default: "de")) == "en")
        #expect(Self.resolve(nil, accept: nil, phone: "+6799212345", connection: connection) == "de", "Fiji has no language in the table")
        #expect(Self.resolve(connection: connection) == "de")
        // 5. then English.
        #expect(Self.resolve() == "en")
    }

    @Test func anUnsupportedValueFallsThroughToTheNextRule() {
        let connection = Self.connection(default: "it")
        #expect(Self.resolve("xx", accept: "ko", connection: connection) == "ko")
        #expect(Self.resolve("sw", accept: "sw-KE, yo", phone: "+972501234567", connection: connection) == "he")
        #expect(Self.resolve(nil, accept: "*", connection: connection) == "it")
        #expect(Self.resolve("", accept: "", phone: "", connection: connection) == "it")
        #expect(Self.resolve(connection: Self.connection(default: "tlh")) == "en", "a default language nothing supports")
    }

    @Test func theConnectionsOwnTextsAreInItsDefaultLanguageEvenWhenNothingShipsIt() throws {
        var swedish = Self.connection(default: "sv")
        swedish.template = "Din kod: @@password@@"
        #expect(Self.resolve(connection: swedish) == "sv")
        #expect(Self.resolve(accept: "sv-SE", connection: swedish) == "sv")
        #expect(Self.resolve(accept: "fr", connection: swedish) == "fr", "a shipped language a reader asks for still wins")
        var canadian = Self.connection(default: "fr-CA")
        canadian.template = "Votre code : @@password@@"
        #expect(Self.resolve(connection: canadian) == "fr-CA")
        #expect(Self.resolve(accept: "fr", connection: canadian) == "fr")
        #expect(Self.resolve(connection: Self.connection(default: "sv")) == "en", "without texts of its own, sv is not a language it has")
        for (connection, text) in [(swedish, "Din kod: 482913"), (canadian, "Votre code : 482913")] {
            let message = try RenderedMessage.render(
                jobID: "job", code: "482913", recipient: "+46701234567", applicationName: "Acme", connection: connection,
                language: Self.resolve(connection: connection))
            #expect(message.body == text)
        }
    }

    @Test func acceptLanguageFollowsQualityValues() {
        #expect(Self.resolve(accept: "de;q=0.5, fr;q=0.9, en;q=0.8") == "fr")
        #expect(Self.resolve(accept: "sw, pl;q=0.1, nl;q=0.1") == "pl", "equal weights keep the header's order")
        #expect(Self.resolve(accept: "fr;q=0, es;q=0.001") == "es", "q=0 means not this one")
        #expect(Self.resolve(accept: "fr;Q=1.000, es") == "fr")
        #expect(Self.resolve(accept: "*;q=1, tr;q=0.2") == "tr", "* names no language")
        #expect(
            AcceptLanguage("a-b-c-d, fr;q=2, de;q=0.5;x=1, it;q=abc, es;q=0.9999, pt;q=.5, ru;q=0.7").ranges.map(\.description) == ["ru"])
    }

    @Test func tagsFallBackToTheirPrefixesAndExactMatchesWinFirst() {
        #expect(Self.resolve("fr-CA") == "fr")
        #expect(Self.resolve(accept: "zh-Hans-CN") == "zh")
        #expect(Self.resolve(accept: "DE-at") == "de")
        #expect(Self.resolve(accept: "de-CH-1996") == "de", "a variant reduces to its language")
        let custom = Self.connection(templates: ["pt-BR"])
        #expect(Self.resolve(accept: "pt-br", connection: custom) == "pt-BR", "the connection's own template language is supported")
        #expect(Self.resolve(accept: "pt-PT", connection: custom) == "pt")
        #expect(Self.resolve("tlh", connection: Self.connection(templates: ["tlh"])) == "tlh")
    }

    @Test func phoneCountriesUseTheLongestCallingCode() {
        let cases = [
            "+33612345678": "fr", "+4915112345678": "de", "+819012345678": "ja", "+8613812345678": "zh", "+5215512345678": "es",
            "+34612345678": "es", "+5511912345678": "pt", "+966501234567": "ar", "+971501234567": "ar", "+201001234567": "ar",
            "+972501234567": "he", "+821012345678": "ko", "+79161234567": "ru", "+447700900123": "en", "+919812345678": "hi",
            "+351912345678": "pt", "+3225123456": "en",
        ]
        for (phone, language) in cases { #expect(Self.resolve(phone: phone) == language, "\(phone)") }
    }

    @Test func malformedHeadersAreIgnoredNeverAnError() {
        let hostile = [
            String(repeating: "fr-", count: 10_000), String(repeating: "a,", count: 50_000) + "ja", ";;;,,,;q=", "fr;q=0.5;q=0.6",
            "\u{0}fr", "ｆｒ", "fr\u{202E}", "q=1", "-fr", "fr-", "fr--CA", "12", "x-klingon", "🇫🇷", String(repeating: "é", count: 4000),
        ]
        for value in hostile {
            #expect(Self.resolve(value, accept: value, connection: Self.connection(default: "ko")) == "ko", "\(value.prefix(20))")
        }
        #expect(AcceptLanguage(String(repeating: "zz;q=0.5,", count: 1000) + "fr").ranges.count == AcceptLanguage.maximumRanges)
        #expect(AcceptLanguage(String(repeating: "z", count: 600) + ",fr").ranges.isEmpty, "only the first 512 bytes are read")
    }

    @Test func tagsAreNormalisedAndChecked() {
        #expect(LanguageTag("PT-br")?.description == "pt-BR")
        #expect(LanguageTag("zh-hans-cn")?.description == "zh-Hans-CN")
        #expect(LanguageTag("es-419")?.description == "es-419")
        #expect(LanguageTag("zh-Hans-CN")?.fallbacks == ["zh-Hans-CN", "zh-Hans", "zh"])
        for bad in ["", "f", "fr_FR", "français", "fr-", "fr-CA-x", "1234", "fr CA", "fr-12", String(repeating: "a", count: 20)] {
            #expect(LanguageTag(bad) == nil, "\(bad)")
        }
        #expect(LanguageTag("ar")!.isRightToLeft && LanguageTag("he-IL")!.isRightToLeft && !LanguageTag("ja")!.isRightToLeft)
    }
}
