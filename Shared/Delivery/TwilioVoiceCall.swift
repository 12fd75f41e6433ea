import PasswordlessCore

/// What a voice call says: the rendered message, read twice with a pause between (as Twilio
/// Verify does, so a listener who missed a digit hears it again), in the message's language.
///
/// The code's digits are spaced when the message is rendered (``spokenCode(_:)``, used by
/// ``RenderedMessage/render(jobID:code:link:recipient:applicationName:connection:)`` for voice
/// connections), so the synthesizer reads "1, 2, 3" rather than "one hundred and twenty-three".
public enum TwilioVoiceCall {
    /// The code as the call reads it: each digit on its own, separated by commas.
    public static func spokenCode(_ code: String) -> String {
        code.map(String.init).joined(separator: ", ")
    }

    /// The TwiML document of the call: `text` XML-escaped in two `<Say>`s with a one-second
    /// `<Pause>` between.
    static func twiml(saying text: String, language: String?) -> String {
        let say = "<Say language=\"\(sayLanguage(for: language))\">\(HTMLText.escape(text))</Say>"
        return "<Response>\(say)<Pause length=\"1\"/>\(say)</Response>"
    }

    /// The `language` of `<Say>` for a BCP 47 tag: the tag itself when Twilio has a voice for
    /// it (`pt-BR`), else the language's usual region (`fr` → `fr-FR`), else `en-US`.
    static func sayLanguage(for tag: String?) -> String {
        guard let tag, !tag.isEmpty else { return defaultLanguage }
        let parts = tag.replacingOccurrences(of: "_", with: "-").split(separator: "-")
        let language = parts[0].lowercased()
        if let region = parts.dropFirst().first(where: { $0.count == 2 })?.uppercased(), regional.contains("\(language)-\(region)") {
            return "\(language)-\(region)"
        }
        return byLanguage[language] ?? defaultLanguage
    }

    static let defaultLanguage = "en-US"

    /// Language-region pairs `<Say>` speaks, where a tag's own region is kept.
    static let regional: Set<String> = [
        "ca-ES", "cy-GB", "da-DK", "de-AT", "de-CH", "de-DE", "en-AU", "en-CA", "en-GB", "en-IE", "en-IN", "en-NZ", "en-US", "en-ZA",
        "es-ES", "es-MX", "es-US", "fi-FI", "fr-BE", "fr-CA", "fr-CH", "fr-FR", "hi-IN", "it-IT", "ja-JP", "ko-KR", "nb-NO", "nl-BE",
        "nl-NL", "pl-PL", "pt-BR", "pt-PT", "ro-RO", "ru-RU", "sv-SE", "tr-TR", "zh-CN", "zh-HK", "zh-TW",
    ]

    /// A language's voice when the tag names no region `<Say>` has (Arabic is Twilio's `arb`).
    static let byLanguage: [String: String] = [
        "ar": "arb", "ca": "ca-ES", "cy": "cy-GB", "da": "da-DK", "de": "de-DE", "en": "en-US", "es": "es-ES", "fi": "fi-FI",
        "fr": "fr-FR", "hi": "hi-IN", "is": "is-IS", "it": "it-IT", "ja": "ja-JP", "ko": "ko-KR", "nb": "nb-NO", "no": "nb-NO",
        "nl": "nl-NL", "pl": "pl-PL", "pt": "pt-BR", "ro": "ro-RO", "ru": "ru-RU", "sv": "sv-SE", "tr": "tr-TR", "zh": "zh-CN",
    ]
}
