/// The language most people read at a phone number's country calling code, for the numbers whose
/// country has one clear language among those shipped. Countries with several (Belgium `32`,
/// Switzerland `41`, Canada within `1`, India's many) are left out or given the language that
/// reaches most readers; a request's own headers always come first.
enum CountryLanguages {
    /// Calling code → language tag.
    static let byCallingCode: [String: String] = [
        // English
        "1": "en", "44": "en", "61": "en", "64": "en", "353": "en", "27": "en", "234": "en", "254": "en", "65": "en",
        // Spanish
        "34": "es", "52": "es", "54": "es", "56": "es", "57": "es", "51": "es", "58": "es", "593": "es", "591": "es", "595": "es",
        "598": "es", "502": "es", "503": "es", "504": "es", "505": "es", "506": "es", "507": "es", "53": "es",
        // French, German, Italian, Portuguese, Dutch, Polish, Turkish, Russian
        "33": "fr", "377": "fr", "49": "de", "43": "de", "423": "de", "39": "it", "378": "it", "351": "pt", "55": "pt", "244": "pt",
        "258": "pt", "31": "nl", "597": "nl", "48": "pl", "90": "tr", "7": "ru", "375": "ru",
        // Arabic
        "20": "ar", "966": "ar", "971": "ar", "962": "ar", "965": "ar", "974": "ar", "973": "ar", "968": "ar", "964": "ar",
        "963": "ar", "961": "ar", "967": "ar", "218": "ar", "212": "ar", "213": "ar", "216": "ar", "249": "ar",
        // Hebrew, Japanese, Korean, Chinese (Simplified), Hindi
        "972": "he", "81": "ja", "82": "ko", "86": "zh", "91": "hi",
    ]

    /// The language of `e164`'s calling code (the longest code that matches: calling codes are a
    /// prefix code, so at most one does); nil when the table has none.
    static func language(ofPhoneNumber e164: String) -> String? {
        guard e164.hasPrefix("+") else { return nil }
        let digits = e164.dropFirst()
        for length in [3, 2, 1] where digits.count > length {
            if let language = byCallingCode[String(digits.prefix(length))] { return language }
        }
        return nil
    }
}
